// A Qt integrator's client on the MemberService class KDSoap's kdwsdl2cpp generates from the served
// Member WSDL (tests/e2e/test_toolkit_kdsoap.py generates it with the default options).
// Usage: kdsoap_client ENDPOINT OPERATION [ARGUMENT ...]: one call, and one line on stdout saying what
// came back, or "fault <faultcode> <FaultDetail code>" (exit 0 either way; 2 for a usage error).
// The endpoint is set explicitly: KDSoap 1.9 generates an empty default endpoint for these WSDLs (the
// test says why).
#include <QCoreApplication>
#include <QEventLoop>
#include <QStringList>
#include <iostream>

#include "Member.h"

// the fault's code and the platform's code in its detail: KDSoap 1.9 generates no class for the
// wsdl:fault's FaultDetail, so the detail is read from the fault message as sent
static QString fault_of(const KDSoapMessage &fault) {
    const KDSoapValue detail = fault.childValues().child(QStringLiteral("detail"));
    const KDSoapValue code = detail.childValues().child(QStringLiteral("FaultDetail"))
                                 .childValues().child(QStringLiteral("code"));
    return QStringLiteral("fault %1 %2").arg(fault.childValues().child(QStringLiteral("faultcode")).value().toString(),
                                              code.value().toString());
}

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments().mid(1);
    if (a.size() < 2) return 2;
    MemberService member;
    member.setEndPoint(a[0]);
    const QString operation = a[1];
    QString line;
    QEventLoop loop;
    // every call asynchronous, so that a fault arrives as its whole message (a blocking call keeps
    // only lastFaultCode() and lastError())
    QObject::connect(&member, &MemberService::soapError, [&](const QString &, const KDSoapMessage &fault) {
        line = fault_of(fault);
        loop.quit();
    });
    if (operation == "listProvinces") {
        QObject::connect(&member, &MemberService::listProvincesDone, [&](const TNS__ListProvincesResponse &got) {
            line = QStringLiteral("provinces");
            for (const TNS__Province &province : got.provinces().province()) line += " " + province.code();
            loop.quit();
        });
        member.asyncListProvinces();
    } else if (operation == "login" && a.size() == 4) {  // username password
        QObject::connect(&member, &MemberService::loginDone, [&](const TNS__LoginResponse &got) {
            line = "login " + got.result().token();
            loop.quit();
        });
        TNS__Login asked;
        asked.setUsername(TNS__UsernameText(a[2]));
        asked.setPassword(TNS__Secret(a[3]));
        member.asyncLogin(asked);
    } else if (operation == "getProfile" && a.size() == 3) {  // token, in the generated SessionHeader
        QObject::connect(&member, &MemberService::getProfileDone, [&](const TNS__GetProfileResponse &got) {
            line = "profile " + got.profile().username();
            loop.quit();
        });
        TNS__SessionHeader header;
        header.setToken(TNS__SessionHeader_tokenType(a[2]));
        member.setSessionHeader(header);
        member.asyncGetProfile();
    } else {
        return 2;
    }
    loop.exec();
    std::cout << line.toStdString() << std::endl;
    return 0;
}
