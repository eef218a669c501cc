"""Catalog service: categories, search, product pages ("tombol beli" or "tombol tawar"), a seller's listings."""
from __future__ import annotations

from spyne import Array, Boolean, DateTime, Integer32, Long, ServiceBase, Unicode, rpc

from emall_ws.clock import to_wib
from emall_ws.domain.catalog import ProductForm as Form, SearchFilters as Filters
from emall_ws.services import catalog, catalog_search
from emall_ws.soap.application import namespace_of, platform_of, replay_frozen
from emall_ws.soap.codes import code_type
from emall_ws.soap.dates import stored_time
from emall_ws.soap.history import status_change_type, status_changes
from emall_ws.soap.security import credentials_of, member_header
from emall_ws.soap.types import Model, required

NAME = "Catalog"
DESCRIPTION = ("Katalog produk KUKM: kategori, pencarian, halaman produk dengan tombol beli atau tawar; "
               "penjual menawarkan produk dengan harga tetap atau lelang")
TNS = namespace_of(NAME)
SESSION = member_header(TNS)  # declared by the operations that act for a member, only

# generous schema limits: the rules check the real ones and name the field in their fault
Text = Unicode(max_len=20000, type_name="Text", __namespace__=TNS)
ShortText = Unicode(max_len=1000, type_name="ShortText", __namespace__=TNS)
# photos repeat as plain elements (<photoUrls>..</photoUrls><photoUrls>..): a list in zeep and SoapUI
PhotoUrls = Unicode(max_len=2000, max_occurs=50, type_name="PhotoUrl", __namespace__=TNS)
SaleMethod = code_type("SaleMethod", TNS)
ProductStatus = code_type("ProductStatus", TNS)
BuyerAction = code_type("BuyerAction", TNS)
SortOrder = code_type("SortOrder", TNS)
StatusChange = status_change_type(TNS, ProductStatus)


class _Type(Model):
    __namespace__ = TNS


class Category(_Type):
    """A product category: its code (what searchProducts and sellProduct take) and its name."""
    code = required(Unicode)
    name = required(Unicode)


class ProductForm(_Type):
    """A new listing. FIXED: price and stock; AUCTION: startPrice, minIncrement, endsAt, optional
    reservePrice (quantity 1). Money in whole rupiah. Every field is optional in the schema so that
    one fault can list every problem."""
    name = ShortText
    description = Text
    category = ShortText
    weightGrams = Integer32
    saleMethod = SaleMethod
    price = Long
    stock = Integer32
    startPrice = Long
    minIncrement = Long
    reservePrice = Long
    endsAt = DateTime
    photoUrls = PhotoUrls


class ProductChanges(_Type):
    """The fields to change; those left out stay as they are. photoUrls, when given, replace all photos."""
    name = ShortText
    description = Text
    category = ShortText
    weightGrams = Integer32
    price = Long
    stock = Integer32
    startPrice = Long
    minIncrement = Long
    reservePrice = Long
    endsAt = DateTime
    photoUrls = PhotoUrls


class Product(_Type):
    """action: BUY (fixed price, in stock), BID (auction open) or NONE. price: the fixed price, or an
    auction's current price (the leading bid, else the start price). reserveMet: whether the leading
    bid would win now; the reserve amount is never shown. sellerSuspended: the seller is suspended, so
    the product is off sale (action NONE) until the seller is reinstated. sellerVerified: the platform
    verified the seller (identity, business licence and payout account)."""
    productId = required(Long)
    name = required(Unicode)
    description = required(Unicode)
    categoryCode = required(Unicode)
    categoryName = required(Unicode)
    sellerUsername = required(Unicode)
    sellerProvinceCode = required(Unicode)
    sellerCityCode = required(Unicode)
    weightGrams = required(Integer32)
    saleMethod = required(SaleMethod)
    status = required(ProductStatus)
    action = required(BuyerAction)
    price = required(Long)
    stock = Integer32
    startPrice = Long
    minIncrement = Long
    currentPrice = Long
    bidCount = required(Integer32)
    endsAt = DateTime
    hasReserve = required(Boolean)
    reserveMet = Boolean
    photoUrls = Unicode(max_occurs="unbounded")
    createdAt = required(DateTime)
    updatedAt = required(DateTime)
    sellerSuspended = required(Boolean)
    # last: added after the others, so that a client generated from an older WSDL reads the rest as before
    sellerVerified = required(Boolean)


class ProductSummary(_Type):
    """One search result, as Product without its description: price is an auction's current price;
    stock for a fixed price, endsAt for an auction; photoUrl the first photo; sellerVerified as in Product."""
    productId = required(Long)
    name = required(Unicode)
    categoryCode = required(Unicode)
    sellerUsername = required(Unicode)
    sellerProvinceCode = required(Unicode)
    sellerCityCode = required(Unicode)
    saleMethod = required(SaleMethod)
    status = required(ProductStatus)
    action = required(BuyerAction)
    price = required(Long)
    stock = Integer32
    bidCount = required(Integer32)
    endsAt = DateTime
    photoUrl = Unicode
    createdAt = required(DateTime)
    sellerVerified = required(Boolean)  # last, as in Product


class SearchFilters(_Type):
    """All optional. text: words of 3+ letters or digits, all required. sort: NEWEST (default),
    PRICE_ASC, PRICE_DESC, ENDING_SOON (open auctions). Prices compare an auction's current price."""
    text = ShortText
    category = ShortText
    seller = ShortText
    province = ShortText
    city = ShortText
    saleMethod = SaleMethod
    minPrice = Long
    maxPrice = Long
    sort = SortOrder


class ProductPage(_Type):
    """One page of search results; hasMore when a next page has some."""
    products = Array(ProductSummary)
    page = required(Integer32)
    pageSize = required(Integer32)
    hasMore = required(Boolean)



def _photos(urls) -> tuple[str, ...] | None:
    return tuple(urls) if urls else None


def _form(form: ProductForm | ProductChanges | None) -> Form:
    form = form or ProductForm()
    return Form(name=form.name, description=form.description, category=form.category,
                weight_grams=form.weightGrams, sale_method=getattr(form, "saleMethod", None), price=form.price,
                stock=form.stock, start_price=form.startPrice, min_increment=form.minIncrement,
                reserve_price=form.reservePrice, ends_at=stored_time(form.endsAt), photo_urls=_photos(form.photoUrls))


def _product(view: catalog.ProductView) -> Product:
    return Product(
        productId=view.product_id, name=view.name, description=view.description, categoryCode=view.category_code,
        categoryName=view.category_name, sellerUsername=view.seller_username,
        sellerProvinceCode=view.seller_province_code, sellerCityCode=view.seller_city_code,
        weightGrams=view.weight_grams, saleMethod=view.sale_method, status=view.status, action=view.action,
        price=view.price, stock=view.stock, startPrice=view.start_price, minIncrement=view.min_increment,
        currentPrice=view.current_price, bidCount=view.bid_count, endsAt=to_wib(view.ends_at),
        hasReserve=view.has_reserve, reserveMet=view.reserve_met, photoUrls=list(view.photo_urls),
        createdAt=to_wib(view.created_at), updatedAt=to_wib(view.updated_at), sellerSuspended=view.seller_suspended,
        sellerVerified=view.seller_verified)


def _summary(view: catalog_search.ProductSummary) -> ProductSummary:
    return ProductSummary(
        productId=view.product_id, name=view.name, categoryCode=view.category_code,
        sellerUsername=view.seller_username, sellerProvinceCode=view.seller_province_code,
        sellerCityCode=view.seller_city_code, saleMethod=view.sale_method, status=view.status,
        action=view.action, price=view.price, stock=view.stock, bidCount=view.bid_count,
        endsAt=to_wib(view.ends_at), photoUrl=view.photo_url, createdAt=to_wib(view.created_at),
        sellerVerified=view.seller_verified)


# getProduct, updateProduct and withdrawProduct find the product first: a missing productId is the
# schema's fault, naming it, before anything else is checked
ProductId = required(Long(type_name="ProductId"))


class CatalogService(ServiceBase):
    @rpc(_returns=Array(Category), _out_variable_name="categories")
    def listCategories(ctx):
        """Every product category; anyone may call."""
        catalog = platform_of(ctx).catalog
        # every process keeps the answer of the latest version it saw: a category added through any
        # process or machine changes the version, read here from the database on every call
        if replay_frozen(ctx, "categories", catalog.categories_version()):
            return None
        return [Category(code=c.code, name=c.name) for c in catalog.list_categories()]

    @rpc(ShortText, ShortText, _returns=Category, _out_variable_name="category", _in_header=SESSION)
    def createCategory(ctx, code, name):
        """Adds a product category; admins only. Client.Conflict (CATEGORY_EXISTS), Client.Validation."""
        view = platform_of(ctx).catalog.create_category(credentials_of(ctx), code, name)
        return Category(code=view.code, name=view.name)

    # verifiedOnly last: added after the others, so that a call without it is answered as before
    @rpc(SearchFilters, Integer32, Integer32, Boolean, _returns=ProductPage, _out_variable_name="result")
    def searchProducts(ctx, filters, page, pageSize, verifiedOnly):
        """Products on sale matching the filters (text, category, seller, place, sale method, price),
        sorted, a page at a time; verifiedOnly true: of verified sellers only (absent or false: of every
        seller); anyone may call. Client.Validation for a bad filter or page."""
        f = filters or SearchFilters()
        query = Filters(text=f.text, category=f.category, seller=f.seller, province=f.province, city=f.city,
                        sale_method=f.saleMethod, min_price=f.minPrice, max_price=f.maxPrice, sort=f.sort,
                        page=page, page_size=pageSize, verified_only=verifiedOnly)
        result = platform_of(ctx).catalog.search_products(query)
        return ProductPage(products=[_summary(v) for v in result.products], page=result.page,
                           pageSize=result.page_size, hasMore=result.has_more)

    @rpc(ProductId, _returns=Product, _out_variable_name="product")
    def getProduct(ctx, productId):
        """One product with its seller, price or auction state and action (BUY, BID or NONE);
        anyone may call. Client.NotFound (UNKNOWN_PRODUCT)."""
        return _product(platform_of(ctx).catalog.get_product(productId))

    @rpc(ProductForm, _returns=Product, _out_variable_name="product", _in_header=SESSION)
    def sellProduct(ctx, form):
        """Lists a product at a fixed price with stock, or by auction; active sellers only.
        Client.Validation lists every failing field; Client.NotFound for an unknown category."""
        return _product(platform_of(ctx).catalog.sell_product(credentials_of(ctx), _form(form)))

    @rpc(ProductId, ProductChanges, _returns=Product, _out_variable_name="product", _in_header=SESSION)
    def updateProduct(ctx, productId, changes):
        """Changes the caller's own product; its seller only. Client.Authorization (NOT_OWNER),
        InvalidState (AUCTION_HAS_BIDS, AUCTION_ENDED, PRODUCT_NOT_EDITABLE), Client.Validation."""
        return _product(platform_of(ctx).catalog.update_product(credentials_of(ctx), productId,
                                                                _form(changes or ProductChanges())))

    @rpc(ProductId, _returns=Array(StatusChange), _out_variable_name="changes", _in_header=SESSION)
    def getProductHistory(ctx, productId):
        """The product's status changes, oldest first, with why and who made each (listed, sold out at a
        checkout, closed by the worker ...); its seller or an admin. Client.Authorization (NOT_OWNER),
        Client.NotFound (UNKNOWN_PRODUCT)."""
        return status_changes(StatusChange, platform_of(ctx).catalog.product_history(credentials_of(ctx), productId))

    @rpc(ProductId, ShortText, _returns=Product, _out_variable_name="product", _in_header=SESSION)
    def withdrawProduct(ctx, productId, reason):
        """Takes a product off sale, with a reason; its seller or an admin. Client.Authorization
        (NOT_OWNER), InvalidState (WITHDRAW_AUCTION_ENDED), Client.NotFound (UNKNOWN_PRODUCT)."""
        return _product(platform_of(ctx).catalog.withdraw_product(credentials_of(ctx), productId, reason))
