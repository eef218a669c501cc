"""Every text a person reads in a fault, Indonesian first, English available.

Keys are the machine-readable codes carried in fault details.
"""
from __future__ import annotations

DEFAULT_LANGUAGE = "id"
LANGUAGES = ("id", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # protocol level
    "MALFORMED_XML": {"id": "Permintaan bukan XML yang sah.",
                      "en": "The request is not well-formed XML."},
    "DOCTYPE_FORBIDDEN": {"id": "Deklarasi DOCTYPE atau ENTITY tidak diizinkan.",
                          "en": "DOCTYPE and ENTITY declarations are not allowed."},
    "REQUEST_TOO_LARGE": {"id": "Permintaan melebihi batas {limit} byte.",
                          "en": "The request exceeds the limit of {limit} bytes."},
    "DECODED_TOO_LARGE": {"id": "Permintaan setelah dibuka ({encoding}) melebihi batas {limit} byte.",
                          "en": "The request, once decoded ({encoding}), exceeds the limit of {limit} bytes."},
    "UNSUPPORTED_ENCODING": {"id": "Content-Encoding {encoding} tidak didukung; gunakan gzip, deflate, atau tanpa "
                                   "Content-Encoding.",
                             "en": "Content-Encoding {encoding} is not supported; use gzip, deflate, or none."},
    "BAD_ENCODING": {"id": "Isi permintaan bukan data {encoding} yang sah.",
                     "en": "The request body is not valid {encoding} data."},
    "BODY_TIMEOUT": {"id": "Isi permintaan tidak lengkap diterima dalam {seconds} detik.",
                     "en": "The request body did not arrive in full within {seconds} seconds."},
    "METHOD_NOT_ALLOWED": {"id": "Metode HTTP {method} tidak diizinkan; gunakan POST, atau GET ?wsdl.",
                           "en": "HTTP method {method} is not allowed; use POST, or GET ?wsdl."},
    "UNKNOWN_OPERATION": {"id": "Elemen {element} (namespace \"{namespace}\") bukan operasi layanan ini. "
                                "Operasi layanan ini, di namespace \"{expected}\": {operations}.",
                          "en": "The element {element} (namespace \"{namespace}\") is not an operation of this "
                                "service. Its operations, in namespace \"{expected}\", are: {operations}."},
    "SOAP_ENCODING_FORBIDDEN": {
        "id": "Atribut SOAP-encoding (href, id, encodingStyle, soapenc:*) tidak diizinkan: "
              "layanan ini document/literal.",
        "en": "SOAP-encoding attributes (href, id, encodingStyle, soapenc:*) are not allowed: "
              "this service is document/literal."},
    "NOT_SOAP": {"id": "Permintaan bukan amplop SOAP 1.1 yang sah.",
                 "en": "The request is not a valid SOAP 1.1 envelope."},
    "CONTENT_TYPE_REQUIRED": {"id": "Permintaan SOAP 1.1 harus membawa header Content-Type: text/xml; charset=utf-8.",
                              "en": "A SOAP 1.1 request needs a Content-Type header: text/xml; charset=utf-8."},
    "UNSUPPORTED_CHARSET": {"id": "Charset {charset} pada Content-Type tidak dikenal; gunakan utf-8.",
                            "en": "The charset {charset} in Content-Type is not supported; use utf-8."},
    "FAULT_AS_REQUEST": {"id": "Body permintaan berisi soap:Fault; permintaan harus berisi satu elemen operasi.",
                         "en": "The request's Body holds a soap:Fault; a request holds one operation element."},
    "MULTIPLE_OPERATIONS": {"id": "Body permintaan berisi {count} elemen ({elements}); satu permintaan hanya "
                                  "boleh memuat satu operasi.",
                            "en": "The request's Body holds {count} elements ({elements}); a request holds "
                                  "exactly one operation."},
    "MUST_UNDERSTAND": {"id": "Header {header} ditandai mustUnderstand=\"1\" tetapi tidak dikenal layanan ini; "
                              "yang dikenal: SessionHeader (namespace \"{namespace}\") dan wsse:Security.",
                        "en": "The header {header} is marked mustUnderstand=\"1\" but this service does not know "
                              "it; it knows SessionHeader (namespace \"{namespace}\") and wsse:Security."},
    "DATE_OUT_OF_RANGE": {"id": "Kolom {label} harus berisi tanggal antara {min} dan {max}",
                          "en": "The {label} field must hold a date between {min} and {max}"},
    "VALIDATION_FAILED": {"id": "Terdapat {count} isian yang tidak valid.",
                          "en": "{count} field(s) are invalid."},
    "SCHEMA_INVALID": {"id": "Nilai atau struktur kolom {field} tidak sesuai skema.",
                       "en": "The value or structure of {field} does not match the schema."},
    "SCHEMA_REFUSED": {"id": "Nilai atau struktur kolom {field} tidak sesuai skema (validator XML: {reason}).",
                       "en": "The value or structure of {field} does not match the schema (XML validator: {reason})."},
    "INTERNAL": {"id": "Terjadi kesalahan pada server. Silakan coba lagi.",
                 "en": "Something went wrong on the server. Please try again."},
    # answered by the reverse proxy (deploy/nginx) when no instance could take the call
    "UNAVAILABLE": {"id": "Layanan sedang tidak tersedia. Coba lagi sebentar lagi; panggilan yang mengubah data "
                          "mungkin sudah dijalankan, periksa hasilnya sebelum mengulanginya.",
                    "en": "The service is unavailable. Try again in a moment; a call that changes data may "
                          "already have been done, so read its result before repeating it."},
    "DATABASE_UNAVAILABLE": {"id": "Basis data sedang tidak dapat dihubungi atau ditulisi. Coba lagi sebentar lagi; "
                                   "panggilan yang mengubah data mungkin sudah dijalankan, periksa hasilnya sebelum "
                                   "mengulanginya.",
                             "en": "The database cannot be reached or written right now. Try again in a moment; a "
                                   "call that changes data may already have been done, so read its result before "
                                   "repeating it."},
    "DATABASE_BUSY": {"id": "Basis data sedang sibuk melayani panggilan lain; tidak ada yang diubah. Coba lagi "
                            "dalam beberapa detik.",
                      "en": "The database is busy with other calls; nothing was changed. Try again in a few "
                            "seconds."},
    "UNKNOWN_SERVICE": {"id": "Layanan tidak ditemukan; daftar layanan ada di Registry.",
                        "en": "No such service; the Registry lists every service."},
    # registry
    "UNKNOWN_KEY": {"id": "Kunci {key} tidak terdaftar.",
                    "en": "The key {key} is not registered."},
    # authentication and authorisation
    "AUTHENTICATION_REQUIRED": {
        "id": "Silakan masuk: kirim token sesi di SessionHeader atau WS-Security UsernameToken.",
        "en": "Please log in: send a session token in SessionHeader or a WS-Security UsernameToken."},
    "BAD_CREDENTIALS": {"id": "Username atau password salah, atau akun belum aktif.",
                        "en": "Wrong username or password, or the account is not active."},
    "BAD_SESSION": {"id": "Sesi tidak berlaku atau telah berakhir. Silakan masuk kembali.",
                    "en": "The session is invalid or has ended. Please log in again."},
    "ACCOUNT_SUSPENDED": {"id": "Akun ini ditangguhkan oleh admin. Hubungi pengelola Emall KUKM.",
                          "en": "This account is suspended by an admin. Contact the Emall KUKM operator."},
    "LOGIN_PAUSED": {"id": "Terlalu banyak percobaan masuk yang gagal. Coba lagi nanti.",
                     "en": "Too many failed log-in attempts. Try again later."},
    "PASSWORD_TYPE_UNSUPPORTED": {
        "id": "WS-Security menerima UsernameToken dengan PasswordText atau PasswordDigest saja.",
        "en": "WS-Security accepts a UsernameToken with PasswordText or PasswordDigest only."},
    "DIGEST_NEEDS_API_KEY": {
        "id": "PasswordDigest hanya untuk kunci API (Member.createApiKey); password member dikirim sebagai "
              "PasswordText.",
        "en": "PasswordDigest is for API keys only (Member.createApiKey); a member's password is sent as "
              "PasswordText."},
    "NONCE_REPLAYED": {"id": "Nonce WS-Security ini sudah dipakai: pesan yang diulang ditolak.",
                       "en": "This WS-Security Nonce was used already: a replayed message is refused."},
    "NONCE_INVALID": {"id": "PasswordDigest memerlukan Nonce (base64) dan Created pada UsernameToken.",
                      "en": "A PasswordDigest needs a Nonce (base64) and a Created in its UsernameToken."},
    "LOGIN_REQUIRED_FOR_KEYS": {
        "id": "Kunci API dibuat dan dicabut dengan login member (SessionHeader atau password), bukan dengan kunci API.",
        "en": "API keys are created and revoked with a member's login (SessionHeader or password), not with an "
              "API key."},
    "LOGIN_REQUIRED": {
        "id": "Password dan rekening pembayaran diubah dengan login member (SessionHeader atau password), bukan "
              "dengan kunci API.",
        "en": "A password or payout account is changed with a member's login (SessionHeader or password), not "
              "with an API key."},
    "TOO_MANY_API_KEYS": {"id": "Sudah ada {limit} kunci API aktif; cabut satu sebelum membuat yang baru.",
                          "en": "{limit} API keys are active already; revoke one before creating another."},
    "API_KEY_NOT_FOUND": {"id": "Kunci API tidak ditemukan di antara kunci Anda.",
                          "en": "No such API key among yours."},
    "TIMESTAMP_EXPIRED": {"id": "Timestamp WS-Security sudah lewat (Expires) atau terlalu jauh di depan (Created).",
                          "en": "The WS-Security Timestamp has expired (Expires) or lies too far ahead (Created)."},
    "SESSION_HEADER_NAMESPACE": {
        "id": "SessionHeader dikirim dalam namespace \"{received}\"; layanan ini membacanya dalam \"{expected}\".",
        "en": "The SessionHeader was sent in namespace \"{received}\"; this service reads it in \"{expected}\"."},
    "ROLE_REQUIRED": {"id": "Operasi ini hanya untuk peran: {roles}.",
                      "en": "This operation is only for the roles: {roles}."},
    "NOT_OWNER": {"id": "Data ini bukan milik Anda.", "en": "This data does not belong to you."},
    # members
    "USERNAME_TAKEN": {"id": "Username sudah dipakai.", "en": "The username is already taken."},
    "EMAIL_TAKEN": {"id": "Email sudah terdaftar.", "en": "The email is already registered."},
    "UNKNOWN_MEMBER": {"id": "Member {username} tidak ditemukan.",
                       "en": "Member {username} was not found."},
    "MEMBER_NOT_SUSPENDED": {"id": "Akun ini tidak sedang ditangguhkan.",
                             "en": "This account is not suspended."},
    "CODE_WRONG": {"id": "Kode salah. Sisa percobaan: {remaining}.",
                   "en": "Wrong code. Tries left: {remaining}."},
    "CODE_EXPIRED": {"id": "Kode tidak berlaku atau kedaluwarsa. Mintalah kode baru.",
                     "en": "The code is not valid or has expired. Ask for a new one."},
    "CODE_ATTEMPTS_EXCEEDED": {"id": "Terlalu banyak kode salah. Coba lagi nanti.",
                               "en": "Too many wrong codes. Try again later."},
    "TOO_MANY_REQUESTS": {"id": "Terlalu banyak permintaan pendaftaran, kirim ulang kode atau reset password dari "
                                "alamat Anda. Coba lagi dalam {minutes} menit.",
                          "en": "Too many registration, code resend or password reset requests from your address. "
                                "Try again in {minutes} minutes."},
    "TOO_MANY_MESSAGES": {"id": "Terlalu banyak kode telah dikirim ke nomor telepon atau alamat email ini. "
                                "Coba lagi dalam {minutes} menit.",
                          "en": "Too many codes have been sent to this phone number or email address. "
                                "Try again in {minutes} minutes."},
    "CANNOT_SUSPEND_SELF": {"id": "Admin tidak dapat menangguhkan akunnya sendiri.",
                            "en": "An admin cannot suspend their own account."},
    "ILLEGAL_STATUS_CHANGE": {"id": "Status {entity} tidak dapat diubah dari {current} ke {target}.",
                              "en": "The {entity} status cannot change from {current} to {target}."},
    # members (registration rules)
    "REQUIRED": {"id": "Kolom {label} wajib diisi",
                 "en": "The {label} field is required"},
    "TOO_SHORT": {"id": "Kolom {label} minimal {min} karakter",
                  "en": "The {label} field must be at least {min} characters"},
    "UNSAFE_CHARACTER": {"id": "Kolom {label} memuat karakter kendali, pemisah baris atau pengatur arah teks "
                               "yang tidak diizinkan",
                         "en": "The {label} field holds a control character, a line separator or a text "
                               "direction control, which are not allowed"},
    "TOO_LONG": {"id": "Kolom {label} maksimal {max} karakter",
                 "en": "The {label} field must be at most {max} characters"},
    "DIGITS_ONLY": {"id": "Kolom {label} hanya boleh berisi angka",
                    "en": "The {label} field may contain digits only"},
    "UNKNOWN_PROVINCE": {"id": "Propinsi yang dipilih tidak dikenal",
                         "en": "The chosen province is unknown"},
    "UNKNOWN_CITY": {"id": "Kota yang dipilih tidak dikenal",
                     "en": "The chosen city is unknown"},
    "CITY_NOT_IN_PROVINCE": {"id": "Kota yang dipilih tidak berada di propinsi yang dipilih",
                             "en": "The chosen city is not in the chosen province"},
    "INVALID_PHONE": {"id": "Kolom {label} harus berisi nomor telepon Indonesia yang sah, "
                            "mis. 081234567890 atau +6281234567890",
                      "en": "The {label} field must hold a valid Indonesian phone number, "
                            "e.g. 081234567890 or +6281234567890"},
    "ADDRESS_NOT_FOUND": {"id": "Alamat {address_id} tidak ada di buku alamat Anda.",
                          "en": "Address {address_id} is not in your address book."},
    "ADDRESS_BOOK_FULL": {"id": "Buku alamat sudah berisi {max} alamat; hapus satu untuk menambah yang baru.",
                          "en": "The address book already holds {max} addresses; delete one to add another."},
    "ADDRESS_ID_OR_ADDRESS": {"id": "Isi {label} saja, atau alamat dan kota saja, tidak keduanya",
                              "en": "Give the {label} alone, or the address and city alone, not both"},
    "PHONE_NOT_MOBILE": {"id": "Kolom {label} harus nomor ponsel yang dapat menerima SMS kode konfirmasi",
                         "en": "The {label} field must be a mobile number that can receive the confirmation SMS"},
    "PHONE_UNCHANGED": {"id": "Kolom {label} sama dengan nomor telepon akun saat ini",
                        "en": "The {label} field is the account's current phone number"},
    "USERNAME_PATTERN": {"id": "Username harus {min}-{max} karakter, diawali huruf, dan hanya berisi "
                               "huruf, angka, garis bawah (_) atau titik (.)",
                         "en": "The username must be {min}-{max} characters, start with a letter, and "
                               "contain only letters, digits, underscores (_) or dots (.)"},
    "PASSWORD_NEEDS_LETTER_AND_DIGIT": {
        "id": "Password harus berisi paling sedikit satu huruf dan satu angka",
        "en": "The password must contain at least one letter and one digit"},
    "PASSWORD_SAME_AS_USERNAME": {"id": "Password tidak boleh sama dengan username",
                                  "en": "The password must not be the same as the username"},
    "PASSWORD_SAME_AS_EMAIL": {"id": "Password tidak boleh sama dengan alamat email",
                               "en": "The password must not be the same as the email address"},
    "INVALID_EMAIL": {"id": "Kolom {label} harus berisi alamat email yang sah",
                      "en": "The {label} field must hold a valid email address"},
    "NIK_FORMAT": {"id": "NIK harus terdiri dari 16 digit angka",
                   "en": "The NIK must be 16 digits"},
    "NIK_PROVINCE": {"id": "Kode propinsi pada NIK (digit 1-2) tidak dikenal",
                     "en": "The province code in the NIK (digits 1-2) is unknown"},
    "NIK_PROVINCE_MISMATCH": {"id": "Kode propinsi pada NIK ({nikProvince}) berbeda dengan propinsi "
                                    "yang dipilih ({province})",
                              "en": "The province code in the NIK ({nikProvince}) differs from the "
                                    "chosen province ({province})"},
    "NIK_REGION": {"id": "Kode kabupaten/kota dan kecamatan pada NIK (digit 3-6) tidak boleh 00",
                   "en": "The regency and district codes in the NIK (digits 3-6) must not be 00"},
    "NIK_BIRTH_DATE": {"id": "Tanggal lahir pada NIK (digit 7-12, DDMMYY, tanggal +40 untuk perempuan) "
                             "tidak sah",
                       "en": "The birth date in the NIK (digits 7-12, DDMMYY, day +40 for women) "
                             "is not a real date"},
    "NIK_SERIAL": {"id": "Nomor urut pada NIK (4 digit terakhir) tidak boleh 0000",
                   "en": "The serial number in the NIK (last 4 digits) must not be 0000"},
    "NIK_UNKNOWN_REGENCY": {"id": "Kode kabupaten/kota {region} pada NIK tidak ada dalam data wilayah",
                            "en": "The regency/city code {region} in the NIK is not in the region data"},
    "NIK_UNKNOWN_DISTRICT": {"id": "Kode kecamatan {region} pada NIK tidak ada dalam data wilayah",
                             "en": "The district code {region} in the NIK is not in the region data"},
    "BIRTH_DATE_FORMAT": {"id": "Tanggal lahir harus berupa tanggal YYYY-MM-DD yang tidak di masa depan",
                          "en": "The birth date must be a date written YYYY-MM-DD, not in the future"},
    "BIRTH_DATE_NOT_NIK": {"id": "Tanggal lahir berbeda dengan tanggal lahir pada NIK (digit 7-12)",
                           "en": "The birth date differs from the one in the NIK (digits 7-12)"},
    "BIRTH_DATE_MISSING": {"id": "Tanpa tanggal lahir NIK tidak dapat diverifikasi ke Dukcapil; penjual tetap "
                                 "belum terverifikasi",
                           "en": "Without a birth date the NIK cannot be verified with Dukcapil; the seller stays "
                                 "unverified"},
    "NIB_FORMAT": {"id": "NIB harus terdiri dari 13 digit angka",
                   "en": "The NIB must be 13 digits"},
    "UNKNOWN_BANK": {"id": "Bank harus salah satu dari: {banks}",
                     "en": "The bank must be one of: {banks}"},
    "ACCOUNT_NUMBER_FORMAT": {"id": "Nomor rekening {bank} harus terdiri dari {length} digit angka",
                              "en": "A {bank} account number must be {length} digits"},
    # auction
    "AUCTION_PRODUCT_NOT_FOUND": {"id": "Produk nomor {productId} tidak ditemukan.",
                                  "en": "Product number {productId} was not found."},
    "NOT_AN_AUCTION": {"id": "Produk nomor {productId} dijual dengan harga tetap, bukan dilelang.",
                       "en": "Product number {productId} is sold at a fixed price, not by auction."},
    "OWN_AUCTION": {"id": "Penjual tidak dapat menawar produknya sendiri.",
                    "en": "A seller cannot bid on their own product."},
    "AUCTION_ENDED": {"id": "Lelang ini sudah berakhir; tawaran dan perubahan tidak lagi diterima.",
                      "en": "This auction has ended; it takes no more bids or changes."},
    "AUCTION_WITHDRAWN": {"id": "Lelang ini telah ditarik oleh penjual.",
                          "en": "This auction has been withdrawn by the seller."},
    "BID_TOO_LOW": {"id": "Tawaran terlalu rendah: tawaran minimal saat ini {minimum}.",
                    "en": "The bid is too low: the minimum bid now is {minimum}."},
    "BID_AMOUNT_NOT_POSITIVE": {"id": "Kolom {label} harus lebih besar dari 0",
                                "en": "The {label} field must be greater than 0"},
    "BID_AMOUNT_TOO_HIGH": {"id": "Kolom {label} maksimal {max}",
                            "en": "The {label} field must be at most {max}"},
    "SECOND_CHANCE_STATE": {"id": "Lelang ini berstatus {status}; tindakan ini tidak dapat dilakukan sekarang.",
                            "en": "This auction is {status}; this cannot be done now."},
    "NO_ELIGIBLE_BIDDER": {"id": "Tidak ada penawar lain dengan tawaran yang mencapai harga cadangan; "
                                 "Anda dapat melelang ulang produk ini.",
                           "en": "No other bidder's own highest bid reaches the reserve price; you may relist "
                                 "the product."},
    "NOT_YOUR_AUCTION": {"id": "Hanya penjual lelang ini yang dapat melakukannya.",
                         "en": "Only this auction's seller can do this."},
    "NOT_YOUR_OFFER": {"id": "Tawaran kesempatan kedua ini tidak ditujukan kepada Anda.",
                       "en": "This second-chance offer was not made to you."},
    # the change feed
    "CURSOR_INVALID": {"id": "Kursor tidak dikenal: gunakan kursor dari jawaban listChanges Anda sebelumnya.",
                       "en": "Unknown cursor: use the cursor of your previous listChanges answer."},
    "CURSOR_EXPIRED": {"id": "Kursor lebih tua dari {days} hari; peristiwa setelahnya mungkin sudah dihapus. "
                              "Baca lagi dari awal (tanpa kursor).",
                       "en": "The cursor is older than {days} days; events after it may be gone. Read again from "
                             "the start (no cursor)."},
    # catalogue and cart
    "MIN_VALUE": {"id": "Kolom {label} minimal {min}", "en": "The {label} field must be at least {min}"},
    "MAX_VALUE": {"id": "Kolom {label} maksimal {max}", "en": "The {label} field must be at most {max}"},
    "UNKNOWN_PRODUCT": {"id": "Produk nomor {productId} tidak ditemukan.",
                        "en": "Product number {productId} was not found."},
    "UNKNOWN_CATEGORY": {"id": "Kategori yang dipilih tidak dikenal",
                         "en": "The chosen category is unknown"},
    "CATEGORY_EXISTS": {"id": "Kategori {category} sudah ada.", "en": "The category {category} already exists."},
    "CATEGORY_CODE_PATTERN": {"id": "Kode kategori hanya boleh berisi huruf kecil, angka dan tanda hubung (-), "
                                    "maksimal {max} karakter",
                              "en": "A category code may contain lower-case letters, digits and hyphens (-) "
                                    "only, at most {max} characters"},
    "UNKNOWN_SALE_METHOD": {"id": "Cara penjualan harus salah satu dari: {methods}",
                            "en": "The sale method must be one of: {methods}"},
    "FIELD_NOT_FOR_METHOD": {"id": "Kolom {label} tidak berlaku untuk cara penjualan {method}",
                             "en": "The {label} field does not apply to the sale method {method}"},
    "RESERVE_BELOW_START": {"id": "Harga cadangan tidak boleh lebih rendah dari harga awal",
                            "en": "The reserve price must not be below the start price"},
    "AUCTION_END_TOO_SOON": {"id": "Lelang harus berlangsung paling sedikit {duration_id}",
                             "en": "An auction must last at least {duration_en}"},
    "AUCTION_END_TOO_LATE": {"id": "Lelang paling lama berlangsung {days} hari",
                             "en": "An auction may last at most {days} days"},
    "TOO_MANY_PHOTOS": {"id": "Foto paling banyak {max}", "en": "At most {max} photos"},
    "PHOTO_URL_INVALID": {"id": "Foto ke-{position} harus berupa alamat http:// atau https:// yang sah",
                          "en": "Photo {position} must be a valid http:// or https:// address"},
    "UNKNOWN_SELLER": {"id": "Penjual tidak ditemukan", "en": "No such seller"},
    "UNKNOWN_SORT": {"id": "Urutan harus salah satu dari: {sorts}", "en": "The sort must be one of: {sorts}"},
    "SORT_NEEDS_AUCTION": {"id": "Urutan ENDING_SOON hanya berlaku untuk lelang",
                           "en": "The ENDING_SOON sort applies to auctions only"},
    "PRICE_RANGE_INVERTED": {"id": "Harga maksimum tidak boleh lebih kecil dari harga minimum",
                             "en": "The maximum price must not be below the minimum price"},
    "SEARCH_TEXT_TOO_SHORT": {"id": "Kata kunci harus memuat paling sedikit satu kata dengan {min} huruf atau "
                                    "angka (kata umum seperti \"the\" tidak dihitung)",
                              "en": "The search text needs at least one word of {min} letters or digits "
                                    "(common words such as \"the\" do not count)"},
    "PAGE_TOO_DEEP": {"id": "Hanya {max} hasil pertama yang dapat ditampilkan; persempit pencarian",
                      "en": "Only the first {max} results can be shown; narrow the search"},
    "PRODUCT_NOT_EDITABLE": {"id": "Produk berstatus {status} tidak dapat diubah.",
                             "en": "A product with status {status} cannot be changed."},
    "AUCTION_HAS_BIDS": {"id": "Lelang ini sudah mendapat {count} tawaran dan tidak dapat diubah lagi.",
                         "en": "This auction already has {count} bid(s) and can no longer be changed."},
    "WITHDRAW_AUCTION_ENDED": {"id": "Lelang yang sudah berakhir tidak dapat ditarik; hasilnya ditentukan "
                                     "saat lelang ditutup.",
                               "en": "An auction that has ended cannot be withdrawn; its closing decides "
                                     "the outcome."},
    "PRODUCT_NOT_AVAILABLE": {"id": "Produk ini tidak sedang dijual (status {status}).",
                              "en": "This product is not on sale (status {status})."},
    "AUCTION_NOT_FOR_CART": {"id": "Produk lelang tidak dapat dimasukkan ke keranjang; ajukan tawaran.",
                             "en": "An auction product cannot go into the cart; place a bid instead."},
    "CART_OWN_PRODUCT": {"id": "Penjual tidak dapat membeli produknya sendiri.",
                         "en": "A seller cannot buy their own product."},
    "NOT_ENOUGH_STOCK": {"id": "Stok tidak mencukupi: tersedia {stock}.",
                         "en": "Not enough stock: {stock} available."},
    "NOT_IN_CART": {"id": "Produk nomor {productId} tidak ada di keranjang.",
                    "en": "Product number {productId} is not in the cart."},
    "CART_FULL": {"id": "Keranjang paling banyak memuat {max} produk berbeda.",
                  "en": "A cart holds at most {max} different products."},
    "CART_CHANGED": {"id": "Keranjang sedang diubah oleh permintaan lain; silakan coba lagi.",
                     "en": "The cart is being changed by another request; please try again."},
    "CART_WITHDRAWN": {"id": "Produk ini telah ditarik oleh penjual.",
                       "en": "The seller has withdrawn this product."},
    "CART_SOLD_OUT": {"id": "Produk ini telah habis.", "en": "This product is sold out."},
    "CART_UNAVAILABLE": {"id": "Produk ini tidak lagi dijual.", "en": "This product is no longer on sale."},
    "CART_NOT_ENOUGH_STOCK": {"id": "Stok tersisa {stock}, kurang dari jumlah di keranjang.",
                              "en": "Only {stock} left, fewer than the quantity in the cart."},
    "CART_SELLER_SUSPENDED": {"id": "Penjual produk ini sedang ditangguhkan; produk tidak dijual untuk sementara.",
                              "en": "The seller of this product is suspended; it is off sale for now."},
    "SELLER_SUSPENDED": {"id": "Penjual {seller} sedang ditangguhkan; produknya tidak dapat dibeli atau ditawar.",
                         "en": "Seller {seller} is suspended; their products cannot be bought or bid on."},
    "SELLER_NOT_VERIFIED": {"id": "Penjual {seller} belum terverifikasi; produknya belum dapat dibeli. Hapus "
                                  "produknya dari keranjang untuk melanjutkan.",
                            "en": "Seller {seller} is not verified yet; their products cannot be bought for now. "
                                  "Remove them from the cart to go on."},
    "CART_REPRICED": {"id": "Harga berubah dari {was} menjadi {now} sejak dimasukkan ke keranjang.",
                      "en": "The price changed from {was} to {now} since it was added to the cart."},
    # shipping
    "WAYBILL_FORMAT": {"id": "Nomor resi {courier} tidak sesuai format; contoh: {example}",
                       "en": "This is not a valid {courier} waybill number; for example: {example}"},
    "UNKNOWN_COURIER": {"id": "Kurir harus salah satu dari: {couriers}",
                        "en": "The courier must be one of: {couriers}"},
    # checkout
    "CART_EMPTY": {"id": "Keranjang kosong; tidak ada yang dapat di-checkout.",
                   "en": "The cart is empty; there is nothing to check out."},
    "CHECKOUT_LINES_CHANGED": {
        "id": "Checkout dibatalkan: {count} barang berubah sejak dimasukkan ke keranjang; tidak ada yang diubah.",
        "en": "Checkout refused: {count} line(s) changed since they went into the cart; nothing was changed."},
    "CHOICE_MISSING": {"id": "Pilih kurir dan layanan untuk pesanan dari penjual {seller}.",
                       "en": "Choose a courier and service for the order from seller {seller}."},
    "CHOICE_UNKNOWN_SELLER": {"id": "Penjual {seller} tidak ada di keranjang.",
                              "en": "Seller {seller} is not in the cart."},
    "COURIER_NOT_QUOTED": {"id": "Kurir {courier} tidak tersedia untuk pesanan dari {seller}; "
                                 "pilih dari quoteShipping.",
                           "en": "Courier {courier} was not quoted for the order from {seller}; "
                                 "choose from quoteShipping."},
    "SERVICE_NOT_QUOTED": {"id": "Layanan {service} dari kurir {courier} tidak tersedia untuk pesanan dari {seller}.",
                           "en": "Service {service} of courier {courier} was not quoted for the order from {seller}."},
    "QUOTE_OUTDATED": {
        "id": "Keranjang atau alamat kirim berubah sejak ongkos kirim {courier} {service} untuk pesanan dari {seller} "
              "dihitung; minta quoteShipping lagi.",
        "en": "The cart or the shipping address changed since {courier} {service} was quoted for the order from "
              "{seller}; quote again."},
    "QUOTE_EXPIRED": {"id": "Ongkos kirim {courier} {service} untuk pesanan dari {seller} sudah kedaluwarsa; "
                            "minta quoteShipping lagi.",
                      "en": "The {courier} {service} quote for the order from {seller} has expired; quote again."},
    "SELLER_NO_PAYOUT_ACCOUNT": {"id": "Penjual {seller} belum mendaftarkan rekening pembayaran.",
                                 "en": "Seller {seller} has no payout account registered."},
    "NO_FREE_UNIQUE_CODE": {"id": "Tidak ada kode unik yang tersedia untuk rekening penjual; coba lagi nanti.",
                            "en": "No unique code is free for the seller's account; try again later."},
    "TOO_MANY_UNPAID": {"id": "Anda masih memiliki {open} faktur yang belum dibayar; checkout ini menambah {adding}, "
                              "paling banyak {max}. Bayar atau batalkan faktur dahulu (Checkout.cancelInvoice dengan "
                              "nomor faktur dari listInvoices).",
                        "en": "You have {open} unpaid invoice(s); this checkout would add {adding}, and at most {max} "
                              "may be open. Pay or cancel one first (Checkout.cancelInvoice with an invoice number "
                              "from listInvoices)."},
    "AUCTION_NOT_WON": {"id": "Anda bukan pemenang lelang ini, atau lelang belum ditutup.",
                        "en": "You did not win this auction, or it has not closed yet."},
    "AUCTION_ALREADY_CHECKED_OUT": {"id": "Lelang ini sudah di-checkout.",
                                    "en": "This auction has already been checked out."},
    "INVOICE_NOT_FOUND": {"id": "Faktur {number} tidak ditemukan.", "en": "Invoice {number} was not found."},
    "INVOICE_NOT_YOURS": {"id": "Faktur ini bukan milik Anda.", "en": "This invoice is not yours."},
    "INVOICE_NOT_CANCELLABLE": {"id": "Faktur berstatus {status} tidak dapat dibatalkan.",
                                "en": "An invoice with status {status} cannot be cancelled."},
    # --- payments (Payment service)
    "BANK_UNAVAILABLE": {"id": "{bank} ({bank_code}) sedang tidak dapat dihubungi; pembayaran belum dapat diperiksa. "
                                "Sistem akan memeriksanya lagi secara otomatis.",
                         "en": "{bank} ({bank_code}) cannot be reached now, so the payment could not be checked yet. "
                               "The platform will check again on its own."},
    "BANK_REFUSED": {"id": "{bank} ({bank_code}) menolak pembacaan mutasi rekening penerima ({refusal}); "
                            "hubungi admin Emall KUKM.",
                     "en": "{bank} ({bank_code}) refused to read the payee account's mutations ({refusal}); "
                           "contact the Emall KUKM admins."},
    "MUTATION_STATUS_UNKNOWN": {"id": "Kolom {label} harus salah satu dari: {statuses}.",
                                "en": "{label} must be one of: {statuses}."},
    # shipping and tracking
    "ORDER_NOT_FOUND": {"id": "Pesanan {number} tidak ditemukan.", "en": "Order {number} was not found."},
    "ORDER_NOT_SHIPPABLE": {"id": "Pesanan berstatus {status} tidak dapat dikirim; hanya pesanan yang sudah lunas.",
                            "en": "An order with status {status} cannot be shipped; only paid orders can."},
    "COURIER_CHANGE_REASON": {"id": "Kurir berbeda dari pilihan pembeli ({chosen}); isi alasan penggantian kurir",
                              "en": "The courier differs from the buyer's choice ({chosen}); give a reason"},
    "WAYBILL_IN_USE": {"id": "Nomor resi {waybill} ({courier}) sudah dipakai untuk pesanan lain.",
                       "en": "Waybill {waybill} ({courier}) is already used for another order."},
    "ORDER_NOT_SHIPPED": {"id": "Pesanan berstatus {status} belum dikirim.",
                          "en": "An order with status {status} has not been shipped."},
    "ORDER_NOT_RECEIVABLE": {"id": "Pesanan berstatus {status} tidak dapat dikonfirmasi diterima.",
                             "en": "An order with status {status} cannot be confirmed as received."},
    "SHIPMENT_NOT_FOUND": {"id": "Resi {waybill} ({courier}) tidak terdaftar di Emall KUKM.",
                           "en": "Waybill {waybill} ({courier}) is not registered with Emall KUKM."},
    # orders after payment: rejection, cancellation, refunds
    "ORDER_NOT_REJECTABLE": {"id": "Pesanan berstatus {status} tidak dapat ditolak; hanya pesanan lunas yang "
                                   "belum dikirim.",
                             "en": "An order with status {status} cannot be rejected; only paid orders not yet "
                                   "shipped can."},
    "REFUND_NOT_FOUND": {"id": "Pesanan {number} tidak memiliki pengembalian dana.",
                         "en": "Order {number} has no refund."},
    "REFUND_ACCOUNT_ALREADY_SET": {"id": "Rekening pengembalian dana pesanan {number} sudah diisi dan tidak dapat "
                                         "diubah.",
                                   "en": "The refund account of order {number} is already set and cannot be "
                                         "changed."},
    "REFUND_ACCOUNT_MISSING": {"id": "Pembeli belum mengisi rekening pengembalian dana pesanan {number}.",
                               "en": "The buyer has not yet given the refund account of order {number}."},
    "REFUND_NOT_TRANSFERABLE": {"id": "Pengembalian dana berstatus {status} tidak dapat dicatat sebagai ditransfer.",
                                "en": "A refund with status {status} cannot be recorded as transferred."},
    "REFUND_NOT_CONFIRMABLE": {"id": "Pengembalian dana berstatus {status} tidak dapat dikonfirmasi atau "
                                     "disanggah; hanya yang sudah ditransfer.",
                               "en": "A refund with status {status} cannot be confirmed or disputed; only a "
                                     "transferred one can."},
    "REFUND_AMOUNT_MISMATCH": {"id": "Jumlah transfer harus sama dengan jumlah pengembalian dana, {amount}",
                               "en": "The amount transferred must equal the refund's amount, {amount}"},
    "TRANSFER_IN_FUTURE": {"id": "Kolom {label} tidak boleh di masa depan",
                           "en": "The {label} field cannot be in the future"},
    # complaints
    "ORDER_NOT_COMPLAINABLE": {"id": "Pesanan berstatus {status} tidak dapat dikomplain; hanya pesanan yang sudah "
                                     "dikirim atau diterima.",
                               "en": "An order with status {status} cannot be complained about; only a shipped or "
                                     "delivered one can."},
    "COMPLAINT_WINDOW_CLOSED": {"id": "Komplain hanya dapat diajukan paling lambat {days} hari setelah pesanan "
                                      "diterima.",
                                "en": "A complaint can be opened at most {days} days after the order was "
                                      "delivered."},
    "COMPLAINT_EXISTS": {"id": "Pesanan {number} sudah memiliki komplain.",
                         "en": "Order {number} already has a complaint."},
    "OVERRIDE_STATUS": {"id": "Status verifikasi yang dapat ditetapkan admin: {statuses}.",
                        "en": "The verification statuses an admin may set: {statuses}."},
    "COMPLAINT_NOT_FOUND": {"id": "Pesanan {number} tidak memiliki komplain.",
                            "en": "Order {number} has no complaint."},
    "COMPLAINT_OPEN": {"id": "Pesanan {number} sedang dikomplain; tunggu sampai komplain selesai.",
                       "en": "Order {number} has a complaint under way; wait until it is resolved."},
    "COMPLAINT_NOT_ANSWERABLE": {"id": "Komplain berstatus {status} tidak dapat dijawab; hanya komplain yang baru "
                                       "diajukan.",
                                 "en": "A complaint with status {status} cannot be answered; only a newly opened "
                                       "one can."},
    "OFFER_NOT_ACCEPTABLE": {"id": "Komplain berstatus {status} dengan tawaran {offer} tidak dapat diterima; hanya "
                                   "tawaran penjual selain NONE.",
                             "en": "A complaint with status {status} and offer {offer} cannot be accepted; only a "
                                   "seller's offer other than NONE can."},
    "COMPLAINT_NOT_ESCALATABLE": {"id": "Komplain berstatus {status} belum dapat diteruskan ke admin (batas waktu "
                                        "penjual: {respond_by}).",
                                  "en": "A complaint with status {status} cannot be escalated yet (the seller's "
                                        "deadline: {respond_by})."},
    "RETURN_NOT_EXPECTED": {"id": "Komplain berstatus {status} tidak menunggu {step}.",
                            "en": "A complaint with status {status} is not waiting for {step}."},
    "RETURN_NOT_SENT": {"id": "Komplain berstatus {status} belum memiliki resi pengembalian barang.",
                        "en": "A complaint with status {status} has no return waybill yet."},
    "COMPLAINT_ALREADY_RESOLVED": {"id": "Komplain pesanan {number} sudah selesai.",
                                   "en": "The complaint of order {number} is already resolved."},
    "AMOUNT_ONLY_FOR_PARTIAL_REFUND": {"id": "Kolom {label} hanya diisi untuk PARTIAL_REFUND",
                                       "en": "The {label} field is given only with PARTIAL_REFUND"},
    "PARTIAL_REFUND_RANGE": {"id": "Kolom {label} harus lebih dari 0 dan kurang dari jumlah yang dibayar, {paid}",
                             "en": "The {label} field must be more than 0 and less than the amount paid, {paid}"},
    "TRACKING_STALE": {"id": "Kurir {courier} tidak dapat dihubungi; ditampilkan status terakhir yang diketahui.",
                       "en": "Courier {courier} cannot be reached; the last known status is shown."},
    # the courier answered, but has no record of the waybill: a typo, or a parcel not scanned in yet
    "TRACKING_WAYBILL_UNKNOWN": {
        "id": "Kurir {courier} belum mengenal resi {waybill}; ditampilkan status terakhir yang diketahui. Periksa "
              "nomor resi, atau tunggu sampai kurir mencatat kiriman.",
        "en": "Courier {courier} does not know waybill {waybill} (yet); the last known status is shown. Check the "
              "number, or wait until the courier records the parcel."},
    # reports
    "PERIOD_REVERSED": {"id": "Tanggal akhir periode tidak boleh sebelum tanggal awal",
                        "en": "The end of the period must not be before its start"},
    "PERIOD_TOO_LONG": {"id": "Periode laporan paling panjang {max} hari",
                        "en": "A report period may be at most {max} days long"},
    "PERIOD_OUT_OF_RANGE": {"id": "Tanggal laporan harus antara {first} dan {last}",
                            "en": "A report date must be between {first} and {last}"},
    "EXPORT_TOO_LARGE": {"id": "Laporan ini memuat {rows} faktur, lebih dari {max}; persempit periode atau filter",
                         "en": "This report holds {rows} invoices, more than {max}; narrow the period or filters"},
    # callbacks (services.callbacks, services.callback_delivery)
    "CALLBACK_URL_INVALID": {"id": "Kolom {label} harus berisi URL http:// atau https:// dengan nama host, tanpa nama "
                                   "pengguna atau password",
                             "en": "The {label} field must hold an http:// or https:// URL with a host name, and no "
                                   "user name or password"},
    "CALLBACK_URL_PRIVATE": {"id": "Kolom {label} menunjuk alamat jaringan lokal atau privat (loopback, privat, "
                                   "link-local, dan sejenisnya); Emall KUKM hanya memanggil alamat publik",
                             "en": "The {label} field points to a local or private network address (loopback, "
                                   "private, link-local and the like); Emall KUKM calls public addresses only"},
    "CALLBACK_URL_UNRESOLVED": {"id": "Nama host pada kolom {label} tidak ditemukan di DNS",
                                "en": "The host name in the {label} field is not found in DNS"},
    "CALLBACK_URL_UNRESOLVED_IN_TIME": {"id": "Nama host pada kolom {label} tidak dapat dicari di DNS tepat waktu; "
                                              "coba lagi nanti",
                                        "en": "The host name in the {label} field could not be resolved in DNS in "
                                              "time; try again later"},
    "EVENT_TYPE_UNKNOWN": {"id": "Jenis event {type} tidak dikenal; yang dikenal: {types}, atau * untuk semua",
                           "en": "The event type {type} is unknown; the known types are {types}, or * for all"},
    "EVENT_TYPES_ALL_ALONE": {"id": "* (semua jenis event) tidak dapat digabung dengan jenis event lain",
                              "en": "* (every event type) cannot be combined with other event types"},
    "TOO_MANY_SUBSCRIPTIONS": {"id": "Sudah ada {limit} langganan callback; akhiri satu sebelum membuat yang baru.",
                               "en": "{limit} callback subscriptions exist already; end one before creating "
                                     "another."},
    "SUBSCRIPTION_EXISTS": {"id": "Anda sudah berlangganan callback ke URL ini; langganan yang ditangguhkan "
                                  "dilanjutkan dengan Events.resumeSubscription.",
                            "en": "You already have a callback subscription to this URL; a suspended one is "
                                  "resumed with Events.resumeSubscription."},
    "SUBSCRIPTION_NOT_FOUND": {"id": "Langganan callback tidak ditemukan di antara langganan Anda.",
                               "en": "No such callback subscription among yours."},
    "SUBSCRIPTION_NOT_SUSPENDED": {"id": "Langganan berstatus {status}; hanya langganan yang ditangguhkan "
                                         "(SUSPENDED) yang dapat dilanjutkan.",
                                   "en": "The subscription's status is {status}; only a SUSPENDED one can be "
                                         "resumed."},
    "SUBSCRIPTION_ENDED": {"id": "Langganan callback ini sudah diakhiri.",
                           "en": "This callback subscription has ended."},
}


def translate(code: str, language: str = DEFAULT_LANGUAGE, **params) -> str:
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts.get(language) or texts[DEFAULT_LANGUAGE]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def codes_table() -> str:
    """The README's table of every code a fault or a field error carries, with its texts, in the order
    declared here (`emall-ws fault-codes` writes it)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = [f"| `{code}` | {cell(texts['en'])} | {cell(texts['id'])} |" for code, texts in MESSAGES.items()]
    return "\n".join(["| code | meaning (English) | pesan (Bahasa Indonesia) |", "|---|---|---|", *rows])


def pick_language(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header, else Indonesian."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def language_of_request(environ) -> str:
    """The language of a WSGI request's answer, from its Accept-Language header."""
    return pick_language((environ or {}).get("HTTP_ACCEPT_LANGUAGE"))


# Field names as a person reads them, per language; keys are SOAP field names.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "province": {"id": "Propinsi", "en": "Province"},
    "city": {"id": "Kota", "en": "City"},
    "address": {"id": "Alamat", "en": "Address"},
    "cityCode": {"id": "Kota/Kabupaten", "en": "City/Regency"},
    "phone": {"id": "Telepon", "en": "Phone"},
    "name": {"id": "Nama", "en": "Name"},
    "username": {"id": "Username", "en": "Username"},
    "password": {"id": "Password", "en": "Password"},
    "email": {"id": "Email", "en": "Email"},
    "nik": {"id": "NIK", "en": "NIK"},
    "nib": {"id": "NIB", "en": "NIB"},
    "bankCode": {"id": "Bank", "en": "Bank"},
    "accountNumber": {"id": "Nomor Rekening", "en": "Account Number"},
    "accountHolder": {"id": "Nama Pemilik Rekening", "en": "Account Holder"},
    "birthDate": {"id": "Tanggal Lahir", "en": "Birth Date"},
    "code": {"id": "Kode", "en": "Code"},
    "newPassword": {"id": "Password Baru", "en": "New Password"},
    "currentPassword": {"id": "Password Saat Ini", "en": "Current Password"},
    # catalogue and cart
    "description": {"id": "Deskripsi", "en": "Description"},
    "category": {"id": "Kategori", "en": "Category"},
    "weightGrams": {"id": "Berat (gram)", "en": "Weight (grams)"},
    "saleMethod": {"id": "Cara Penjualan", "en": "Sale Method"},
    "price": {"id": "Harga", "en": "Price"},
    "stock": {"id": "Stok", "en": "Stock"},
    "startPrice": {"id": "Harga Awal", "en": "Start Price"},
    "minIncrement": {"id": "Kelipatan Tawaran", "en": "Minimum Increment"},
    "reservePrice": {"id": "Harga Cadangan", "en": "Reserve Price"},
    "endsAt": {"id": "Waktu Berakhir", "en": "End Time"},
    "photoUrls": {"id": "Foto", "en": "Photos"},
    "quantity": {"id": "Jumlah", "en": "Quantity"},
    "text": {"id": "Kata Kunci", "en": "Search Text"},
    "seller": {"id": "Penjual", "en": "Seller"},
    "minPrice": {"id": "Harga Minimum", "en": "Minimum Price"},
    "maxPrice": {"id": "Harga Maksimum", "en": "Maximum Price"},
    "sort": {"id": "Urutan", "en": "Sort"},
    "page": {"id": "Halaman", "en": "Page"},
    "pageSize": {"id": "Ukuran Halaman", "en": "Page Size"},
    "reason": {"id": "Alasan", "en": "Reason"},
    "label": {"id": "Label", "en": "Label"},  # an API key's, an address's
    "waybill": {"id": "Nomor Resi", "en": "Waybill Number"},
    "courier": {"id": "Kurir", "en": "Courier"},
    "productId": {"id": "Nomor Produk", "en": "Product Number"},
    "amount": {"id": "Jumlah Tawaran", "en": "Bid Amount"},
    "status": {"id": "Status", "en": "Status"},
    "transferReference": {"id": "Referensi Transfer", "en": "Transfer Reference"},
    "transferredAt": {"id": "Waktu Transfer", "en": "Transfer Time"},
    "message": {"id": "Pesan", "en": "Message"},
    "addressId": {"id": "Nomor Alamat", "en": "Address Number"},
    "note": {"id": "Catatan", "en": "Note"},
    # reports
    "fromDate": {"id": "Tanggal Awal", "en": "From Date"},
    "toDate": {"id": "Tanggal Akhir", "en": "To Date"},
    # callbacks
    "url": {"id": "URL Callback", "en": "Callback URL"},
    "types": {"id": "Jenis Event", "en": "Event Types"},
}


def field_message(code: str, field: str, language: str = DEFAULT_LANGUAGE, /, **params) -> str:
    """The text of one field error: translate() with {field} and the field's {label} filled in.

    field_message("REQUIRED", "province") -> "Kolom Propinsi wajib diisi".
    A field without a label is named by its SOAP name.
    """
    labels = FIELD_LABELS.get(field, {})
    label = labels.get(language) or labels.get(DEFAULT_LANGUAGE) or field
    return translate(code, language, **{**params, "field": field, "label": label})
