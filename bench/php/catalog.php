<?php
// The PHP reference of bench/catalog.py: PHP 8's SoapServer and PDO (MariaDB) answering the platform's
// own Catalog WSDL (wsdl/Catalog.wsdl, its soap:address rewritten by bench/php_reference.py) for
// listCategories, searchProducts and getProduct, with the queries the platform makes
// (emall_ws/services/catalog.py, catalog_search.py) and the same answers. Read-only: any other
// operation of the WSDL is a fault. Settings come from php-fpm's environment:
//   EMALL_PHP_WSDL (the rewritten WSDL), EMALL_PHP_DSN, EMALL_PHP_USER, EMALL_PHP_PASSWORD.
declare(strict_types=1);

const PAGE_SIZE_DEFAULT = 20;
const PAGE_SIZE_MAX = 50;
const RESULT_WINDOW = 10000;
const SEARCH_TEXT_MAX = 100;
const SEARCH_TERMS_MAX = 8;
const SEARCH_TERM_MIN = 3;
// domain.catalog.STOPWORDS: InnoDB's default FULLTEXT stopwords of 3+ letters
const STOPWORDS = ['about', 'are', 'com', 'for', 'from', 'how', 'that', 'the', 'this', 'und', 'was', 'what',
                   'when', 'where', 'who', 'will', 'with', 'www'];
const SORTS = ['NEWEST', 'PRICE_ASC', 'PRICE_DESC', 'ENDING_SOON'];
const ORDER_BY = [
    'NEWEST' => 'product.created_at DESC, product.id DESC',
    'PRICE_ASC' => 'product.list_price ASC, product.id ASC',
    'PRICE_DESC' => 'product.list_price DESC, product.id DESC',
    'ENDING_SOON' => 'product.ends_at ASC, product.id ASC',
];
// the columns the platform's search selects (the description deferred)
const SUMMARY_COLUMNS = 'product.id, product.seller_id, product.category_id, product.name, product.weight_grams, '
    . 'product.sale_method, product.status, product.seller_province_code, product.seller_city_code, '
    . 'product.price, product.stock, product.start_price, product.min_increment, product.reserve_price, '
    . 'product.ends_at, product.current_price, product.list_price, product.bid_count, product.leader_id, '
    . 'product.winner_id, product.closed_at, product.created_at, product.updated_at, category.code, '
    . '`member`.username, product_photo.url AS photo_url';

function db(): PDO
{
    static $pdo = null;
    if ($pdo === null) {
        // persistent: one connection per php-fpm worker, kept across requests (the platform keeps a
        // pool per worker process); prepared statements emulated, PDO's default (one round trip per
        // query, as PyMySQL's client-side parameters)
        $pdo = new PDO(getenv('EMALL_PHP_DSN'), getenv('EMALL_PHP_USER') ?: 'root',
                       getenv('EMALL_PHP_PASSWORD') ?: '',
                       [PDO::ATTR_PERSISTENT => true, PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
                        PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC]);
    }
    return $pdo;
}

function query(string $sql, array $params = []): PDOStatement
{
    $statement = db()->prepare($sql);
    $statement->execute($params);
    return $statement;
}

/** A stored time (naive UTC) as the wire has it: WIB, with its offset (clock.to_wib). */
function wib(?string $utc): ?string
{
    if ($utc === null) {
        return null;
    }
    $moment = new DateTimeImmutable($utc, new DateTimeZone('UTC'));
    $moment = $moment->setTimezone(new DateTimeZone('Asia/Jakarta'));
    return $moment->format($moment->format('u') === '000000' ? 'Y-m-d\TH:i:sP' : 'Y-m-d\TH:i:s.uP');
}

function now_utc(): string
{
    return gmdate('Y-m-d H:i:s');
}

/** domain.catalog.action_of: BUY, BID or NONE. */
function action_of(array $p, string $now, bool $suspended = false): string
{
    if ($p['status'] !== 'ACTIVE' || $suspended) {
        return 'NONE';
    }
    if ($p['sale_method'] === 'FIXED') {
        return ((int) ($p['stock'] ?? 0)) > 0 ? 'BUY' : 'NONE';
    }
    return $p['ends_at'] !== null && $p['ends_at'] > $now ? 'BID' : 'NONE';
}

/** The elements of a response, without those that are null (spyne leaves them out, as the WSDL allows). */
function present(array $fields): array
{
    return array_filter($fields, fn ($value) => $value !== null);
}

function integer(int|string|null $value): ?int
{
    return $value === null ? null : (int) $value;
}

function fault(string $reason, string $code, string $message): SoapFault
{
    return new SoapFault("Client.$reason", $message, null, ['code' => $code]);
}

/** The province and city codes of emall_ws/data/regions.csv, read once per worker when a search needs them. */
function regions(): array
{
    static $regions = null;
    if ($regions === null) {
        $regions = [];
        $file = fopen(getenv('EMALL_PHP_REGIONS'), 'r');
        fgetcsv($file);
        while (($row = fgetcsv($file)) !== false) {
            $regions[$row[0]] = $row[1];
        }
        fclose($file);
    }
    return $regions;
}

/** Characters (code points) in a UTF-8 string: without php-mbstring, which the reference does not need otherwise. */
function characters(string $text): int
{
    return (int) preg_match_all('/./su', $text);
}

/** domain.catalog.search_terms: the words (letters, digits, "_"), lower-cased, 3+ long, no stopword, no repeat.
 *  strtolower lowers ASCII letters only: an upper-case non-ASCII letter stays, which can only keep a repeated
 *  term twice (MariaDB's collation ignores case, so the matches are the same). */
function search_terms(string $text): array
{
    preg_match_all('/[\p{L}\p{M}\p{N}_]+/u', strtolower($text), $words);
    $terms = [];
    foreach ($words[0] as $word) {
        $word = trim($word, '_');
        if (characters($word) >= SEARCH_TERM_MIN && !in_array($word, STOPWORDS, true) && !in_array($word, $terms, true)) {
            $terms[] = $word;
        }
    }
    return array_slice($terms, 0, SEARCH_TERMS_MAX);
}

function text_of(object $filters, string $name): ?string
{
    $value = isset($filters->$name) ? trim((string) $filters->$name) : '';
    return $value === '' ? null : $value;
}

final class Catalog
{
    public function listCategories(): array
    {
        $categories = query('SELECT category.code, category.name FROM category ORDER BY category.name')->fetchAll();
        return ['categories' => ['Category' => $categories]];
    }

    public function getProduct(object $request): array
    {
        if (!isset($request->productId)) {
            throw fault('Validation', 'REQUIRED', 'productId: REQUIRED');
        }
        $id = (int) $request->productId;
        // one query, the platform's (services/catalog.py get_product): the product with its category, its
        // seller and one row per photo
        $rows = $id > 0 ? query('SELECT product.*, category.code AS category_code, category.name AS category_name, '
                                . '`member`.username AS seller_username, `member`.status AS seller_status, '
                                . 'product_photo.url AS photo_url '
                                . 'FROM product JOIN category ON category.id = product.category_id '
                                . 'JOIN `member` ON `member`.id = product.seller_id '
                                . 'LEFT OUTER JOIN product_photo ON product_photo.product_id = product.id '
                                . 'WHERE product.id = ? ORDER BY product_photo.position', [$id])->fetchAll() : [];
        if (!$rows) {
            throw fault('NotFound', 'UNKNOWN_PRODUCT', "UNKNOWN_PRODUCT: $id");
        }
        $p = $rows[0];
        $photos = array_values(array_filter(array_column($rows, 'photo_url'), fn ($url) => $url !== null));
        $suspended = $p['seller_status'] === 'SUSPENDED';
        $auction = $p['sale_method'] === 'AUCTION';
        $current = integer($p['current_price']);
        return ['product' => present([
            'productId' => (int) $p['id'], 'name' => $p['name'], 'description' => $p['description'],
            'categoryCode' => $p['category_code'], 'categoryName' => $p['category_name'],
            'sellerUsername' => $p['seller_username'], 'sellerProvinceCode' => $p['seller_province_code'],
            'sellerCityCode' => $p['seller_city_code'], 'weightGrams' => (int) $p['weight_grams'],
            'saleMethod' => $p['sale_method'], 'status' => $p['status'],
            'action' => action_of($p, now_utc(), $suspended), 'price' => integer($p['list_price']),
            'stock' => $auction ? null : integer($p['stock']), 'startPrice' => integer($p['start_price']),
            'minIncrement' => integer($p['min_increment']), 'currentPrice' => $current,
            'bidCount' => (int) $p['bid_count'], 'endsAt' => wib($p['ends_at']),
            'hasReserve' => $p['reserve_price'] !== null,
            // domain.auction.reserve_met
            'reserveMet' => $auction ? ((int) $p['bid_count'] > 0 && $current !== null
                                        && ($p['reserve_price'] === null || $current >= (int) $p['reserve_price']))
                                     : null,
            'photoUrls' => $photos ?: null, 'createdAt' => wib($p['created_at']), 'updatedAt' => wib($p['updated_at']),
            'sellerSuspended' => $suspended,
        ])];
    }

    public function searchProducts(object $request): array
    {
        $f = $request->filters ?? new stdClass();
        $errors = [];
        $text = text_of($f, 'text') ?? '';
        $terms = [];
        if (characters($text) > SEARCH_TEXT_MAX) {
            $errors[] = 'text: TOO_LONG';
        } elseif ($text !== '') {
            $terms = search_terms($text);
            if (!$terms) {
                $errors[] = 'text: SEARCH_TEXT_TOO_SHORT';
            }
        }
        $method = strtoupper(text_of($f, 'saleMethod') ?? '');
        if ($method !== '' && !in_array($method, ['FIXED', 'AUCTION'], true)) {
            $errors[] = 'saleMethod: UNKNOWN_SALE_METHOD';
        }
        $sort = strtoupper(text_of($f, 'sort') ?? '') ?: 'NEWEST';
        if (!in_array($sort, SORTS, true)) {
            $errors[] = 'sort: UNKNOWN_SORT';
        } elseif ($sort === 'ENDING_SOON' && $method === 'FIXED') {
            $errors[] = 'sort: SORT_NEEDS_AUCTION';
        }
        $min = isset($f->minPrice) ? (int) $f->minPrice : null;
        $max = isset($f->maxPrice) ? (int) $f->maxPrice : null;
        if ($min !== null && $min < 0) {
            $errors[] = 'minPrice: MIN_VALUE';
        }
        if ($max !== null && $max < 0) {
            $errors[] = 'maxPrice: MIN_VALUE';
        }
        if ($min !== null && $max !== null && 0 <= $max && $max < $min) {
            $errors[] = 'maxPrice: PRICE_RANGE_INVERTED';
        }
        $page = isset($request->page) ? (int) $request->page : 1;
        $size = min(isset($request->pageSize) ? (int) $request->pageSize : PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX);
        if ($page < 1) {
            $errors[] = 'page: MIN_VALUE';
        }
        if ($size < 1) {
            $errors[] = 'pageSize: MIN_VALUE';
        }
        if ($page >= 1 && $size >= 1 && $page * $size > RESULT_WINDOW) {
            $errors[] = 'page: PAGE_TOO_DEEP';
        }
        if ($errors) {
            throw fault('Validation', 'VALIDATION_FAILED', implode('; ', $errors));
        }
        if ($sort === 'ENDING_SOON' && $method === '') {
            $method = 'AUCTION';
        }
        $category = text_of($f, 'category');
        $seller = text_of($f, 'seller');
        $province = text_of($f, 'province');
        $city = text_of($f, 'city');
        // catalog_search.resolve_filters
        $categoryId = $sellerId = null;
        if ($category !== null) {
            $categoryId = query('SELECT category.id FROM category WHERE category.code = ?',
                                [strtolower($category)])->fetchColumn();
            if ($categoryId === false) {
                $errors[] = 'category: UNKNOWN_CATEGORY';
            }
        }
        if ($seller !== null) {
            $sellerId = query("SELECT `member`.id FROM `member` WHERE `member`.username_key = ? AND `member`.role = 'SELLER'",
                              [strtolower($seller)])->fetchColumn();
            if ($sellerId === false) {
                $errors[] = 'seller: UNKNOWN_SELLER';
            }
        }
        if ($province !== null && (regions()[$province] ?? null) !== '') {  // a province has no parent
            $errors[] = 'province: UNKNOWN_PROVINCE';
        }
        if ($city !== null) {
            $regions = regions();
            if (($regions[$city] ?? '') === '') {
                $errors[] = 'city: UNKNOWN_CITY';
            } elseif ($province !== null && $regions[$city] !== $province) {
                $errors[] = 'city: CITY_NOT_IN_PROVINCE';
            }
        }
        if ($errors) {
            throw fault('Validation', 'VALIDATION_FAILED', implode('; ', $errors));
        }
        // catalog_search.search_query
        $now = now_utc();
        $where = ["product.status = 'ACTIVE'", "`member`.status != 'SUSPENDED'"];
        $params = [];
        if ($terms) {  // the FULLTEXT index ix_product_text in boolean mode: every term a word prefix
            $where[] = 'MATCH (product.name, product.description) AGAINST (? IN BOOLEAN MODE)';
            $params[] = implode(' ', array_map(fn ($term) => "+$term*", $terms));
        }
        foreach ([['product.category_id', $categoryId], ['product.seller_id', $sellerId],
                  ['product.seller_province_code', $province], ['product.seller_city_code', $city],
                  ['product.sale_method', $method ?: null]] as [$column, $value]) {
            if ($value !== null) {
                $where[] = "$column = ?";
                $params[] = $value;
            }
        }
        if ($min !== null) {
            $where[] = 'product.list_price >= ?';
            $params[] = $min;
        }
        if ($max !== null) {
            $where[] = 'product.list_price <= ?';
            $params[] = $max;
        }
        if ($sort === 'ENDING_SOON') {
            $where[] = 'product.ends_at > ?';
            $params[] = $now;
        }
        $offset = ($page - 1) * $size;
        // one query with the first photo of each product, the platform's (services/catalog_search.py)
        $rows = query('SELECT STRAIGHT_JOIN ' . SUMMARY_COLUMNS . ' FROM product '
                      . 'INNER JOIN category ON category.id = product.category_id '
                      . 'INNER JOIN `member` ON `member`.id = product.seller_id '
                      . 'LEFT OUTER JOIN product_photo ON product_photo.product_id = product.id '
                      . 'AND product_photo.position = 0 '
                      . 'WHERE ' . implode(' AND ', $where) . ' ORDER BY ' . ORDER_BY[$sort]
                      . ' LIMIT ' . ($size + 1) . ' OFFSET ' . $offset, $params)->fetchAll();
        $hasMore = count($rows) > $size;
        $rows = array_slice($rows, 0, $size);
        $products = [];
        foreach ($rows as $p) {
            $products[] = present([
                'productId' => (int) $p['id'], 'name' => $p['name'], 'categoryCode' => $p['code'],
                'sellerUsername' => $p['username'], 'sellerProvinceCode' => $p['seller_province_code'],
                'sellerCityCode' => $p['seller_city_code'], 'saleMethod' => $p['sale_method'],
                'status' => $p['status'], 'action' => action_of($p, $now), 'price' => integer($p['list_price']),
                'stock' => $p['sale_method'] === 'FIXED' ? integer($p['stock']) : null,
                'bidCount' => (int) $p['bid_count'], 'endsAt' => wib($p['ends_at']),
                'photoUrl' => $p['photo_url'], 'createdAt' => wib($p['created_at']),
            ]);
        }
        return ['result' => ['products' => ['ProductSummary' => $products], 'page' => $page, 'pageSize' => $size,
                             'hasMore' => $hasMore]];
    }

    public function __call(string $name, array $arguments): never
    {
        throw new SoapFault('Server.NotImplemented', "$name: not part of the PHP reference (read operations only)");
    }
}

$server = new SoapServer(getenv('EMALL_PHP_WSDL'), ['cache_wsdl' => WSDL_CACHE_BOTH, 'encoding' => 'UTF-8']);
$server->setClass(Catalog::class);
$server->handle();
