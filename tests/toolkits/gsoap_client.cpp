// A C++ integrator's client on the proxies gSOAP generates from every service's WSDL
// (tests/e2e/test_toolkit_gsoap.py generates them with a typemap.dat naming each namespace's prefix
// after its service, and fault for the faults' detail).
// Usage: gsoap_client BASE_URL OPERATION [ARGUMENT ...]: one call, and one line on stdout saying what
// came back, or "fault <faultcode> <FaultDetail code>" (exit 0 either way; 2 for a usage error).
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "soapAuctionProxy.h"
#include "soapCartProxy.h"
#include "soapCatalogProxy.h"
#include "soapCheckoutProxy.h"
#include "soapEventsProxy.h"
#include "soapMemberProxy.h"
#include "soapOrderProxy.h"
#include "soapPaymentProxy.h"
#include "soapRegistryProxy.h"
#include "soapReportProxy.h"
#include "soapShippingProxy.h"
#include "Member.nsmap"

using Arguments = std::vector<std::string>;

static std::string base_url;

static std::string endpoint(const char *service) { return base_url + "/ws/" + service; }

// the line for a failed call: the fault's code and the platform's code from the declared FaultDetail
static std::string fault_of(struct soap *soap) {
    const fault__FaultDetail *detail = soap->fault && soap->fault->detail
                                           ? soap->fault->detail->fault__FaultDetail_ : nullptr;
    const char **code = soap_faultcode(soap);
    return std::string("fault ") + (code && *code ? *code : "?") + " " + (detail ? detail->code : "?");
}

template <typename Items, typename Key>
static std::string joined(const Items &items, Key key) {
    std::ostringstream line;
    for (const auto *item : items) line << " " << key(item);
    return line.str();
}

static std::string member_call(const std::string &operation, const Arguments &a) {
    std::string url = endpoint("Member");
    MemberProxy member(url.c_str());
    if (operation == "listProvinces") {
        member__listProvinces asked;
        member__listProvincesResponse got;
        if (member.listProvinces(&asked, got)) return fault_of(member.soap);
        return "provinces" + joined(got.provinces->Province, [](auto p) { return p->code; });
    }
    if (operation == "listCities") {
        member__listCities asked;
        asked.provinceCode = a.at(0);
        member__listCitiesResponse got;
        if (member.listCities(&asked, got)) return fault_of(member.soap);
        return "cities" + joined(got.cities->City, [](auto c) { return c->code; });
    }
    if (operation == "register") {  // province city address phone name username password email
        member__RegistrationForm form;
        std::string values[8];
        for (int i = 0; i < 8; ++i) values[i] = a.at(i);
        form.province = &values[0], form.city = &values[1], form.address = &values[2], form.phone = &values[3];
        form.name = &values[4], form.username = &values[5], form.password = &values[6], form.email = &values[7];
        member__register asked;
        asked.form = &form;
        member__registerResponse got;
        if (member.register_(&asked, got)) return fault_of(member.soap);
        return "registered " + got.result->username + " " + soap_member__MemberStatus2s(member.soap, got.result->status);
    }
    if (operation == "activate") {
        member__activate asked;
        asked.username = a.at(0), asked.code = a.at(1);
        member__activateResponse got;
        if (member.activate(&asked, got)) return fault_of(member.soap);
        return "activated " + got.profile->username;
    }
    if (operation == "resendActivation") {
        member__resendActivation asked;
        asked.username = a.at(0);
        member__resendActivationResponse got;
        if (member.resendActivation(&asked, got)) return fault_of(member.soap);
        return "resent";
    }
    if (operation == "login") {
        member__login asked;
        asked.username = a.at(0), asked.password = a.at(1);
        member__loginResponse got;
        if (member.login(&asked, got)) return fault_of(member.soap);
        return "login " + got.result->username + " " + got.result->token;
    }
    if (operation == "requestPasswordReset") {
        member__requestPasswordReset asked;
        asked.usernameOrEmail = a.at(0);
        member__requestPasswordResetResponse got;
        if (member.requestPasswordReset(&asked, got)) return fault_of(member.soap);
        return "requested";
    }
    if (operation == "resetPassword") {
        member__resetPassword asked;
        asked.username = a.at(0), asked.code = a.at(1), asked.newPassword = a.at(2);
        member__resetPasswordResponse got;
        if (member.resetPassword(&asked, got)) return fault_of(member.soap);
        return "reset";
    }
    if (operation == "getProfile") {  // the token in the SessionHeader the WSDL declares for it
        member__SessionHeader session;
        std::string token = a.at(0);
        session.token = &token;
        member.soap->header = soap_new_SOAP_ENV__Header(member.soap);
        member.soap->header->member__SessionHeader_ = &session;
        member__getProfile asked;
        member__getProfileResponse got;
        if (member.getProfile(&asked, got)) return fault_of(member.soap);
        return "profile " + got.profile->username;
    }
    return "";
}

static std::string catalog_call(const std::string &operation, const Arguments &a) {
    std::string url = endpoint("Catalog");
    CatalogProxy catalog(url.c_str());
    if (operation == "getProduct") {
        catalog__getProduct asked;
        asked.productId = std::stoll(a.at(0));
        catalog__getProductResponse got;
        if (catalog.getProduct(&asked, got)) return fault_of(catalog.soap);
        return "product " + std::to_string(got.product->productId) + " " + got.product->name;
    }
    if (operation == "listCategories") {
        catalog__listCategories asked;
        catalog__listCategoriesResponse got;
        if (catalog.listCategories(&asked, got)) return fault_of(catalog.soap);
        return "categories" + joined(got.categories->Category, [](auto c) { return c->code; });
    }
    if (operation == "searchProducts") {  // in a category
        catalog__SearchFilters filters;
        std::string category = a.at(0);
        filters.category = &category;
        catalog__searchProducts asked;
        asked.filters = &filters;
        catalog__searchProductsResponse got;
        if (catalog.searchProducts(&asked, got)) return fault_of(catalog.soap);
        return "found" + joined(got.result->products->ProductSummary,
                                [](auto p) { return std::to_string(p->productId); });
    }
    return "";
}

static std::string auction_call(const std::string &operation, const Arguments &a) {
    std::string url = endpoint("Auction");
    AuctionProxy auction(url.c_str());
    if (operation == "getAuction") {
        auction__getAuction asked;
        asked.productId = std::stoll(a.at(0));
        auction__getAuctionResponse got;
        if (auction.getAuction(&asked, got)) return fault_of(auction.soap);
        return "auction " + std::to_string(got.auction->productId) + " " + soap_auction__AuctionStatus2s(auction.soap, got.auction->status);
    }
    if (operation == "listBids") {
        auction__listBids asked;
        LONG64 product = std::stoll(a.at(0));
        asked.productId = &product;
        auction__listBidsResponse got;
        if (auction.listBids(&asked, got)) return fault_of(auction.soap);
        return "bids " + std::to_string(got.result->total);
    }
    if (operation == "placeBid") {  // no SessionHeader: a stranger's bid
        auction__placeBid asked;
        LONG64 product = std::stoll(a.at(0)), amount = std::stoll(a.at(1));
        asked.productId = &product, asked.amount = &amount;
        auction__placeBidResponse got;
        if (auction.placeBid(&asked, got)) return fault_of(auction.soap);
        return "bid placed";
    }
    return "";
}

static std::string registry_call(const std::string &operation, const Arguments &a) {
    std::string url = endpoint("Registry");
    RegistryProxy registry(url.c_str());
    if (operation == "find_service") {
        registry__find_USCOREservice asked;
        std::string name = a.at(0);
        asked.name = &name;
        registry__find_USCOREserviceResponse got;
        if (registry.find_USCOREservice(&asked, got)) return fault_of(registry.soap);
        return "services" + joined(got.serviceInfos->ServiceInfo, [](auto s) { return s->serviceKey; });
    }
    if (operation == "get_serviceDetail") {
        registry__get_USCOREserviceDetail asked;
        asked.serviceKey = a.at(0);
        registry__get_USCOREserviceDetailResponse got;
        if (registry.get_USCOREserviceDetail(&asked, got)) return fault_of(registry.soap);
        return "service " + got.businessService->serviceKey + " " + got.businessService->name;
    }
    if (operation == "find_binding") {
        registry__find_USCOREbinding asked;
        asked.serviceKey = a.at(0);
        registry__find_USCOREbindingResponse got;
        if (registry.find_USCOREbinding(&asked, got)) return fault_of(registry.soap);
        return "bindings" + joined(got.bindingTemplates->BindingTemplate, [](auto b) { return b->bindingKey; });
    }
    if (operation == "get_bindingDetail") {
        registry__get_USCOREbindingDetail asked;
        asked.bindingKey = a.at(0);
        registry__get_USCOREbindingDetailResponse got;
        if (registry.get_USCOREbindingDetail(&asked, got)) return fault_of(registry.soap);
        return "binding " + got.bindingTemplate->bindingKey + " " + got.bindingTemplate->accessPoint;
    }
    if (operation == "find_business") {
        registry__find_USCOREbusiness asked;
        std::string name = a.at(0);
        asked.name = &name;
        registry__find_USCOREbusinessResponse got;
        if (registry.find_USCOREbusiness(&asked, got)) return fault_of(registry.soap);
        return "businesses" + joined(got.businessInfos->BusinessInfo, [](auto b) { return b->businessKey; });
    }
    if (operation == "get_businessDetail") {
        registry__get_USCOREbusinessDetail asked;
        asked.businessKey = a.at(0);
        registry__get_USCOREbusinessDetailResponse got;
        if (registry.get_USCOREbusinessDetail(&asked, got)) return fault_of(registry.soap);
        return "business " + got.businessEntity->businessKey + " " + got.businessEntity->name;
    }
    if (operation == "find_tModel") {
        registry__find_USCOREtModel asked;
        std::string name = a.at(0);
        asked.name = &name;
        registry__find_USCOREtModelResponse got;
        if (registry.find_USCOREtModel(&asked, got)) return fault_of(registry.soap);
        return "tmodels" + joined(got.tModelInfos->TModelInfo, [](auto t) { return t->tModelKey; });
    }
    if (operation == "get_tModelDetail") {
        registry__get_USCOREtModelDetail asked;
        asked.tModelKey = a.at(0);
        registry__get_USCOREtModelDetailResponse got;
        if (registry.get_USCOREtModelDetail(&asked, got)) return fault_of(registry.soap);
        return "tmodel " + got.tModel->tModelKey + " " + got.tModel->overviewURL;
    }
    return "";
}

// the services whose every operation acts for a member: each called as a stranger, to read the fault
static std::string members_only_call(const std::string &operation, const Arguments &a) {
    if (operation == "getCart") {
        std::string url = endpoint("Cart");
        CartProxy cart(url.c_str());
        cart__getCart asked;
        cart__getCartResponse got;
        return cart.getCart(&asked, got) ? fault_of(cart.soap) : "cart";
    }
    if (operation == "listInvoices") {
        std::string url = endpoint("Checkout");
        CheckoutProxy checkout(url.c_str());
        checkout__listInvoices asked;
        checkout__listInvoicesResponse got;
        return checkout.listInvoices(&asked, got) ? fault_of(checkout.soap) : "invoices";
    }
    if (operation == "reconcileNow") {
        std::string url = endpoint("Payment");
        PaymentProxy payment(url.c_str());
        payment__reconcileNow asked;
        payment__reconcileNowResponse got;
        return payment.reconcileNow(&asked, got) ? fault_of(payment.soap) : "reconciled";
    }
    if (operation == "confirmReceived") {
        std::string url = endpoint("Shipping");
        ShippingProxy shipping(url.c_str());
        shipping__confirmReceived asked;
        asked.orderNumber = a.at(0);
        shipping__confirmReceivedResponse got;
        return shipping.confirmReceived(&asked, got) ? fault_of(shipping.soap) : "received";
    }
    if (operation == "getHistory") {
        std::string url = endpoint("Order");
        OrderProxy order(url.c_str());
        order__getHistory asked;
        asked.orderNumber = a.at(0);
        order__getHistoryResponse got;
        return order.getHistory(&asked, got) ? fault_of(order.soap) : "history";
    }
    if (operation == "purchaseReport") {
        std::string url = endpoint("Report");
        ReportProxy report(url.c_str());
        report__purchaseReport asked;
        report__purchaseReportResponse got;
        return report.purchaseReport(&asked, got) ? fault_of(report.soap) : "report";
    }
    if (operation == "listChanges") {
        std::string url = endpoint("Events");
        EventsProxy events(url.c_str());
        events__listChanges asked;
        events__listChangesResponse got;
        return events.listChanges(&asked, got) ? fault_of(events.soap) : "changes";
    }
    return "";
}

int main(int argc, char **argv) {
    if (argc < 3) {
        std::cerr << "usage: gsoap_client BASE_URL OPERATION [ARGUMENT ...]\n";
        return 2;
    }
    base_url = argv[1];
    const std::string operation = argv[2];
    const Arguments arguments(argv + 3, argv + argc);
    for (auto call : {member_call, catalog_call, auction_call, registry_call, members_only_call}) {
        const std::string line = call(operation, arguments);
        if (!line.empty()) {
            std::cout << line << "\n";
            return 0;
        }
    }
    std::cerr << "unknown operation " << operation << "\n";
    return 2;
}
