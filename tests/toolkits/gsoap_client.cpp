// A C++ integrator's client, on the proxies gSOAP generates from the Member and Catalog WSDLs
// (tests/e2e/test_toolkit_gsoap.py generates them with a typemap.dat naming the prefixes member,
// catalog and fault). Usage: gsoap_client BASE_URL USERNAME PASSWORD PRODUCT_ID
// Prints one line per call: what came back, or "fault <faultcode> <FaultDetail code>".
#include <iostream>
#include <string>

#include "soapCatalogProxy.h"
#include "soapMemberProxy.h"
#include "Member.nsmap"

static int fault(struct soap *soap) {
    const fault__FaultDetail *detail = soap->fault && soap->fault->detail
                                           ? soap->fault->detail->fault__FaultDetail_ : nullptr;
    const char **code = soap_faultcode(soap);
    std::cout << "fault " << (code && *code ? *code : "?") << " " << (detail ? detail->code : "?") << "\n";
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        std::cerr << "usage: gsoap_client BASE_URL USERNAME PASSWORD PRODUCT_ID\n";
        return 2;
    }
    const std::string member_url = std::string(argv[1]) + "/ws/Member";
    const std::string catalog_url = std::string(argv[1]) + "/ws/Catalog";
    MemberProxy member(member_url.c_str());
    CatalogProxy catalog(catalog_url.c_str());

    member__listProvinces provinces_asked;
    member__listProvincesResponse provinces;
    if (member.listProvinces(&provinces_asked, provinces) != SOAP_OK) return fault(member.soap);
    std::cout << "provinces " << provinces.provinces->Province.size() << "\n";

    catalog__getProduct product_asked;
    product_asked.productId = std::stoll(argv[4]);
    catalog__getProductResponse product;
    if (catalog.getProduct(&product_asked, product) != SOAP_OK) return fault(catalog.soap);
    std::cout << "product " << product.product->productId << " " << product.product->name << "\n";

    member__login login_asked;
    login_asked.username = argv[2];
    login_asked.password = argv[3];
    member__loginResponse login;
    if (member.login(&login_asked, login) != SOAP_OK) return fault(member.soap);
    std::cout << "login " << login.result->username << "\n";

    // the member's calls carry the token in the SessionHeader the WSDL declares for them
    member__SessionHeader session;
    session.token = &login.result->token;
    member.soap->header = soap_new_SOAP_ENV__Header(member.soap);
    member.soap->header->member__SessionHeader_ = &session;
    member__getProfile profile_asked;
    member__getProfileResponse profile;
    if (member.getProfile(&profile_asked, profile) != SOAP_OK) return fault(member.soap);
    std::cout << "profile " << profile.profile->username << "\n";

    // a mistake: a product that does not exist, its code read from the declared FaultDetail
    product_asked.productId = 987654321;
    if (catalog.getProduct(&product_asked, product) == SOAP_OK) {
        std::cout << "no fault\n";
        return 1;
    }
    return fault(catalog.soap);
}
