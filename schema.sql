-- MariaDB/MySQL schema of emall_ws, generated from emall_ws/db/models.py.
-- Do not edit: run `emall-ws export-schema` after changing the models.

CREATE TABLE category (
	id BIGINT NOT NULL AUTO_INCREMENT,
	code VARCHAR(50) NOT NULL,
	name VARCHAR(100) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_category PRIMARY KEY (id),
	CONSTRAINT uq_category_code UNIQUE (code)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE change_event (
	seq BIGINT NOT NULL,
	member_id BIGINT NOT NULL,
	type VARCHAR(40) NOT NULL,
	occurred_at DATETIME(6) NOT NULL,
	status VARCHAR(20),
	invoice_number VARCHAR(40),
	order_number VARCHAR(40),
	courier VARCHAR(10),
	waybill VARCHAR(40),
	product_id BIGINT,
	CONSTRAINT pk_change_event PRIMARY KEY (seq)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_change_event_member_id_seq ON change_event (member_id, seq);

CREATE INDEX ix_change_event_occurred_at ON change_event (occurred_at);

CREATE TABLE event_sequence (
	id INTEGER NOT NULL,
	last_seq BIGINT NOT NULL,
	CONSTRAINT pk_event_sequence PRIMARY KEY (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE failed_try (
	id BIGINT NOT NULL AUTO_INCREMENT,
	kind VARCHAR(10) NOT NULL,
	key_hash VARCHAR(64) NOT NULL,
	at DATETIME(6) NOT NULL,
	CONSTRAINT pk_failed_try PRIMARY KEY (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_failed_try_kind_at ON failed_try (kind, at);

CREATE INDEX ix_failed_try_kind_key_hash_at ON failed_try (kind, key_hash, at);

CREATE TABLE limit_count (
	kind VARCHAR(20) NOT NULL,
	key_hash VARCHAR(64) NOT NULL,
	window_seconds INTEGER NOT NULL,
	window_start DATETIME(6) NOT NULL,
	count INTEGER NOT NULL,
	CONSTRAINT pk_limit_count PRIMARY KEY (kind, key_hash, window_seconds, window_start)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_limit_count_window_start ON limit_count (window_start);

CREATE TABLE member (
	id BIGINT NOT NULL AUTO_INCREMENT,
	username VARCHAR(32) NOT NULL,
	username_key VARCHAR(32) NOT NULL,
	email VARCHAR(254) NOT NULL,
	email_key VARCHAR(254) NOT NULL,
	password_hash VARCHAR(255) NOT NULL,
	name VARCHAR(100) NOT NULL,
	address VARCHAR(500) NOT NULL,
	phone VARCHAR(16) NOT NULL,
	province_code VARCHAR(2) NOT NULL,
	city_code VARCHAR(5) NOT NULL,
	role VARCHAR(10) NOT NULL,
	status VARCHAR(10) NOT NULL,
	nik VARCHAR(16),
	nib VARCHAR(13),
	bank_code VARCHAR(10),
	account_number VARCHAR(20),
	account_holder VARCHAR(100),
	created_at DATETIME(6) NOT NULL,
	activated_at DATETIME(6),
	CONSTRAINT pk_member PRIMARY KEY (id),
	CONSTRAINT uq_member_username_key UNIQUE (username_key),
	CONSTRAINT uq_member_email_key UNIQUE (email_key)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_member_city_code ON member (city_code);

CREATE INDEX ix_member_status ON member (status);

CREATE TABLE notification (
	id BIGINT NOT NULL AUTO_INCREMENT,
	event_key VARCHAR(150) NOT NULL,
	reference VARCHAR(40) NOT NULL,
	channel VARCHAR(10) NOT NULL,
	recipient VARCHAR(254) NOT NULL,
	template VARCHAR(60) NOT NULL,
	data TEXT NOT NULL,
	status VARCHAR(10) NOT NULL,
	attempts INTEGER NOT NULL,
	next_attempt_at DATETIME(6) NOT NULL,
	provider_id VARCHAR(100),
	delivery_status VARCHAR(30),
	error VARCHAR(500),
	created_at DATETIME(6) NOT NULL,
	sent_at DATETIME(6),
	CONSTRAINT pk_notification PRIMARY KEY (id),
	CONSTRAINT uq_notification_event_key_recipient_channel UNIQUE (event_key, recipient, channel),
	CONSTRAINT uq_notification_reference UNIQUE (reference)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_notification_status_channel_created_at ON notification (status, channel, created_at);

CREATE INDEX ix_notification_status_next_attempt_at ON notification (status, next_attempt_at);

CREATE TABLE payee_account_poll (
	id BIGINT NOT NULL AUTO_INCREMENT,
	bank VARCHAR(10) NOT NULL,
	account_number VARCHAR(20) NOT NULL,
	read_until DATETIME(6),
	leased_until DATETIME(6),
	last_checked_at DATETIME(6),
	last_error VARCHAR(200) NOT NULL,
	CONSTRAINT pk_payee_account_poll PRIMARY KEY (id),
	CONSTRAINT uq_payee_account_poll_bank_account_number UNIQUE (bank, account_number)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE product_term (
	term VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
	created_at DATETIME(6) NOT NULL,
	product_id BIGINT NOT NULL,
	signature BIGINT NOT NULL,
	CONSTRAINT pk_product_term PRIMARY KEY (term, created_at, product_id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE registry_business (
	`key` VARCHAR(255) NOT NULL,
	name VARCHAR(200) NOT NULL,
	description VARCHAR(1000) NOT NULL,
	CONSTRAINT pk_registry_business PRIMARY KEY (`key`)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE registry_tmodel (
	`key` VARCHAR(255) NOT NULL,
	name VARCHAR(200) NOT NULL,
	description VARCHAR(1000) NOT NULL,
	overview_url VARCHAR(1000) NOT NULL,
	CONSTRAINT pk_registry_tmodel PRIMARY KEY (`key`)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_registry_tmodel_name ON registry_tmodel (name);

CREATE TABLE seen_nonce (
	key_hash VARCHAR(64) NOT NULL,
	seen_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_seen_nonce PRIMARY KEY (key_hash)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_seen_nonce_seen_at ON seen_nonce (seen_at);

CREATE TABLE worker_job (
	name VARCHAR(60) NOT NULL,
	interval_seconds FLOAT NOT NULL,
	runs BIGINT NOT NULL,
	failures BIGINT NOT NULL,
	last_started_at DATETIME(6),
	last_success_at DATETIME(6),
	last_failure_at DATETIME(6),
	heartbeat_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_worker_job PRIMARY KEY (name)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE api_key (
	id BIGINT NOT NULL AUTO_INCREMENT,
	key_id VARCHAR(40) NOT NULL,
	member_id BIGINT NOT NULL,
	label VARCHAR(100) NOT NULL,
	sealed_secret VARCHAR(200) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	revoked_at DATETIME(6),
	CONSTRAINT pk_api_key PRIMARY KEY (id),
	CONSTRAINT uq_api_key_key_id UNIQUE (key_id),
	CONSTRAINT fk_api_key_member_id_member FOREIGN KEY(member_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_api_key_member_id ON api_key (member_id);

CREATE TABLE auth_session (
	id BIGINT NOT NULL AUTO_INCREMENT,
	member_id BIGINT NOT NULL,
	token_hash VARCHAR(64) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	expires_at DATETIME(6) NOT NULL,
	ended_at DATETIME(6),
	CONSTRAINT pk_auth_session PRIMARY KEY (id),
	CONSTRAINT fk_auth_session_member_id_member FOREIGN KEY(member_id) REFERENCES member (id),
	CONSTRAINT uq_auth_session_token_hash UNIQUE (token_hash)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_auth_session_member_id ON auth_session (member_id);

CREATE TABLE event_subscription (
	id BIGINT NOT NULL AUTO_INCREMENT,
	subscription_id VARCHAR(40) NOT NULL,
	member_id BIGINT NOT NULL,
	url VARCHAR(500) NOT NULL,
	types VARCHAR(500) NOT NULL,
	sealed_secret VARCHAR(200) NOT NULL,
	status VARCHAR(12) NOT NULL,
	delivered_seq BIGINT NOT NULL,
	failures INTEGER NOT NULL,
	next_attempt_at DATETIME(6) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	suspended_at DATETIME(6),
	ended_at DATETIME(6),
	CONSTRAINT pk_event_subscription PRIMARY KEY (id),
	CONSTRAINT uq_event_subscription_subscription_id UNIQUE (subscription_id),
	CONSTRAINT fk_event_subscription_member_id_member FOREIGN KEY(member_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_event_subscription_member_id ON event_subscription (member_id);

CREATE INDEX ix_event_subscription_status_next_attempt_at ON event_subscription (status, next_attempt_at);

CREATE TABLE member_address (
	id BIGINT NOT NULL AUTO_INCREMENT,
	member_id BIGINT NOT NULL,
	label VARCHAR(30) NOT NULL,
	name VARCHAR(100) NOT NULL,
	address VARCHAR(500) NOT NULL,
	province_code VARCHAR(2) NOT NULL,
	city_code VARCHAR(5) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_member_address PRIMARY KEY (id),
	CONSTRAINT fk_member_address_member_id_member FOREIGN KEY(member_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_member_address_member_id ON member_address (member_id);

CREATE TABLE member_status_history (
	id BIGINT NOT NULL AUTO_INCREMENT,
	member_id BIGINT NOT NULL,
	from_status VARCHAR(10),
	to_status VARCHAR(10) NOT NULL,
	reason VARCHAR(200) NOT NULL,
	changed_at DATETIME(6) NOT NULL,
	actor VARCHAR(80),
	CONSTRAINT pk_member_status_history PRIMARY KEY (id),
	CONSTRAINT fk_member_status_history_member_id_member FOREIGN KEY(member_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_member_status_history_member_id ON member_status_history (member_id);

CREATE TABLE product (
	id BIGINT NOT NULL AUTO_INCREMENT,
	seller_id BIGINT NOT NULL,
	category_id BIGINT NOT NULL,
	name VARCHAR(200) NOT NULL,
	description TEXT NOT NULL,
	weight_grams INTEGER NOT NULL,
	sale_method VARCHAR(10) NOT NULL,
	status VARCHAR(12) NOT NULL,
	seller_province_code VARCHAR(2) NOT NULL,
	seller_city_code VARCHAR(5) NOT NULL,
	price BIGINT,
	stock INTEGER,
	start_price BIGINT,
	min_increment BIGINT,
	reserve_price BIGINT,
	ends_at DATETIME(6),
	current_price BIGINT,
	list_price BIGINT GENERATED ALWAYS AS (coalesce(price, current_price, start_price)) STORED,
	bid_count INTEGER NOT NULL,
	leader_id BIGINT,
	winner_id BIGINT,
	closed_at DATETIME(6),
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_product PRIMARY KEY (id),
	CONSTRAINT ck_product_stock_not_negative CHECK (stock >= 0),
	CONSTRAINT fk_product_seller_id_member FOREIGN KEY(seller_id) REFERENCES member (id),
	CONSTRAINT fk_product_category_id_category FOREIGN KEY(category_id) REFERENCES category (id),
	CONSTRAINT fk_product_leader_id_member FOREIGN KEY(leader_id) REFERENCES member (id),
	CONSTRAINT fk_product_winner_id_member FOREIGN KEY(winner_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_product_seller_id_status_created_at ON product (seller_id, status, created_at);

CREATE INDEX ix_product_status_category_id_created_at ON product (status, category_id, created_at);

CREATE INDEX ix_product_status_created_at ON product (status, created_at);

CREATE INDEX ix_product_status_list_price ON product (status, list_price);

CREATE INDEX ix_product_status_sale_method_ends_at ON product (status, sale_method, ends_at);

CREATE INDEX ix_product_status_seller_city_code_created_at ON product (status, seller_city_code, created_at);

CREATE INDEX ix_product_status_seller_province_code_created_at ON product (status, seller_province_code, created_at);

CREATE TABLE registry_service (
	`key` VARCHAR(255) NOT NULL,
	business_key VARCHAR(255) NOT NULL,
	name VARCHAR(200) NOT NULL,
	description VARCHAR(1000) NOT NULL,
	category VARCHAR(50) NOT NULL,
	CONSTRAINT pk_registry_service PRIMARY KEY (`key`),
	CONSTRAINT fk_registry_service_business_key_registry_business FOREIGN KEY(business_key) REFERENCES registry_business (`key`)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_registry_service_business_key ON registry_service (business_key);

CREATE INDEX ix_registry_service_category ON registry_service (category);

CREATE INDEX ix_registry_service_name ON registry_service (name);

CREATE TABLE seller_verification (
	member_id BIGINT NOT NULL,
	status VARCHAR(10) NOT NULL,
	reasons VARCHAR(200) NOT NULL,
	birth_date DATE,
	attempts INTEGER NOT NULL,
	next_check_at DATETIME(6),
	checked_at DATETIME(6),
	updated_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_seller_verification PRIMARY KEY (member_id),
	CONSTRAINT fk_seller_verification_member_id_member FOREIGN KEY(member_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_seller_verification_next_check_at ON seller_verification (next_check_at);

CREATE INDEX ix_seller_verification_status ON seller_verification (status);

CREATE TABLE shipping_quote (
	id BIGINT NOT NULL AUTO_INCREMENT,
	buyer_id BIGINT NOT NULL,
	seller_id BIGINT NOT NULL,
	origin_city_code VARCHAR(5) NOT NULL,
	destination_city_code VARCHAR(5) NOT NULL,
	weight_grams INTEGER NOT NULL,
	courier VARCHAR(10) NOT NULL,
	service VARCHAR(30) NOT NULL,
	description VARCHAR(100) NOT NULL,
	cost BIGINT NOT NULL,
	etd_days INTEGER NOT NULL,
	quoted_at DATETIME(6) NOT NULL,
	expires_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_shipping_quote PRIMARY KEY (id),
	CONSTRAINT fk_shipping_quote_buyer_id_member FOREIGN KEY(buyer_id) REFERENCES member (id),
	CONSTRAINT fk_shipping_quote_seller_id_member FOREIGN KEY(seller_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_shipping_quote_buyer_id_seller_id ON shipping_quote (buyer_id, seller_id);

CREATE INDEX ix_shipping_quote_seller_id ON shipping_quote (seller_id);

CREATE TABLE verification_code (
	id BIGINT NOT NULL AUTO_INCREMENT,
	member_id BIGINT NOT NULL,
	purpose VARCHAR(20) NOT NULL,
	code_hash VARCHAR(64) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	expires_at DATETIME(6) NOT NULL,
	used_at DATETIME(6),
	sent_to VARCHAR(16),
	CONSTRAINT pk_verification_code PRIMARY KEY (id),
	CONSTRAINT fk_verification_code_member_id_member FOREIGN KEY(member_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_verification_code_member_id_purpose ON verification_code (member_id, purpose);

CREATE TABLE bid (
	id BIGINT NOT NULL AUTO_INCREMENT,
	product_id BIGINT NOT NULL,
	bidder_id BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	placed_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_bid PRIMARY KEY (id),
	CONSTRAINT uq_bid_product_id_amount UNIQUE (product_id, amount),
	CONSTRAINT fk_bid_product_id_product FOREIGN KEY(product_id) REFERENCES product (id),
	CONSTRAINT fk_bid_bidder_id_member FOREIGN KEY(bidder_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_bid_bidder_id ON bid (bidder_id);

CREATE TABLE cart_line (
	id BIGINT NOT NULL AUTO_INCREMENT,
	buyer_id BIGINT NOT NULL,
	product_id BIGINT NOT NULL,
	quantity INTEGER NOT NULL,
	price_when_added BIGINT NOT NULL,
	added_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_cart_line PRIMARY KEY (id),
	CONSTRAINT uq_cart_line_buyer_id_product_id UNIQUE (buyer_id, product_id),
	CONSTRAINT fk_cart_line_buyer_id_member FOREIGN KEY(buyer_id) REFERENCES member (id),
	CONSTRAINT fk_cart_line_product_id_product FOREIGN KEY(product_id) REFERENCES product (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_cart_line_product_id ON cart_line (product_id);

CREATE TABLE event_delivery (
	id BIGINT NOT NULL AUTO_INCREMENT,
	subscription_id BIGINT NOT NULL,
	event_seq BIGINT,
	event_type VARCHAR(40) NOT NULL,
	attempted_at DATETIME(6) NOT NULL,
	attempt INTEGER NOT NULL,
	outcome VARCHAR(12) NOT NULL,
	http_status INTEGER,
	error VARCHAR(200) NOT NULL,
	duration_ms INTEGER NOT NULL,
	CONSTRAINT pk_event_delivery PRIMARY KEY (id),
	CONSTRAINT fk_event_delivery_subscription_id_event_subscription FOREIGN KEY(subscription_id) REFERENCES event_subscription (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_event_delivery_subscription_id_id ON event_delivery (subscription_id, id);

CREATE TABLE product_photo (
	id BIGINT NOT NULL AUTO_INCREMENT,
	product_id BIGINT NOT NULL,
	url VARCHAR(500) NOT NULL,
	`position` INTEGER NOT NULL,
	CONSTRAINT pk_product_photo PRIMARY KEY (id),
	CONSTRAINT fk_product_photo_product_id_product FOREIGN KEY(product_id) REFERENCES product (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_product_photo_product_id ON product_photo (product_id);

CREATE TABLE product_status_history (
	id BIGINT NOT NULL AUTO_INCREMENT,
	product_id BIGINT NOT NULL,
	from_status VARCHAR(12),
	to_status VARCHAR(12) NOT NULL,
	reason VARCHAR(200) NOT NULL,
	changed_at DATETIME(6) NOT NULL,
	actor VARCHAR(80),
	CONSTRAINT pk_product_status_history PRIMARY KEY (id),
	CONSTRAINT fk_product_status_history_product_id_product FOREIGN KEY(product_id) REFERENCES product (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_product_status_history_product_id ON product_status_history (product_id);

CREATE TABLE purchase_order (
	id BIGINT NOT NULL AUTO_INCREMENT,
	number VARCHAR(40) NOT NULL,
	buyer_id BIGINT NOT NULL,
	seller_id BIGINT NOT NULL,
	status VARCHAR(20) NOT NULL,
	courier VARCHAR(10) NOT NULL,
	courier_service VARCHAR(30) NOT NULL,
	shipping_cost BIGINT NOT NULL,
	etd_days INTEGER NOT NULL,
	ship_name VARCHAR(100) NOT NULL,
	ship_address VARCHAR(500) NOT NULL,
	ship_city_code VARCHAR(5) NOT NULL,
	origin_city_code VARCHAR(5) NOT NULL,
	goods_total BIGINT NOT NULL,
	weight_grams INTEGER NOT NULL,
	auction_product_id BIGINT,
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_purchase_order PRIMARY KEY (id),
	CONSTRAINT uq_purchase_order_number UNIQUE (number),
	CONSTRAINT fk_purchase_order_buyer_id_member FOREIGN KEY(buyer_id) REFERENCES member (id),
	CONSTRAINT fk_purchase_order_seller_id_member FOREIGN KEY(seller_id) REFERENCES member (id),
	CONSTRAINT uq_purchase_order_auction_product_id UNIQUE (auction_product_id),
	CONSTRAINT fk_purchase_order_auction_product_id_product FOREIGN KEY(auction_product_id) REFERENCES product (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_purchase_order_buyer_id ON purchase_order (buyer_id);

CREATE INDEX ix_purchase_order_seller_id ON purchase_order (seller_id);

CREATE TABLE registry_binding (
	`key` VARCHAR(255) NOT NULL,
	service_key VARCHAR(255) NOT NULL,
	tmodel_key VARCHAR(255) NOT NULL,
	access_point VARCHAR(1000) NOT NULL,
	CONSTRAINT pk_registry_binding PRIMARY KEY (`key`),
	CONSTRAINT fk_registry_binding_service_key_registry_service FOREIGN KEY(service_key) REFERENCES registry_service (`key`),
	CONSTRAINT fk_registry_binding_tmodel_key_registry_tmodel FOREIGN KEY(tmodel_key) REFERENCES registry_tmodel (`key`)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_registry_binding_service_key ON registry_binding (service_key);

CREATE INDEX ix_registry_binding_tmodel_key ON registry_binding (tmodel_key);

CREATE TABLE seller_verification_history (
	id BIGINT NOT NULL AUTO_INCREMENT,
	member_id BIGINT NOT NULL,
	from_status VARCHAR(10),
	to_status VARCHAR(10) NOT NULL,
	reason VARCHAR(200) NOT NULL,
	changed_at DATETIME(6) NOT NULL,
	actor VARCHAR(80),
	CONSTRAINT pk_seller_verification_history PRIMARY KEY (id),
	CONSTRAINT fk_seller_verification_history_member_id_seller_verification FOREIGN KEY(member_id) REFERENCES seller_verification (member_id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_seller_verification_history_member_id ON seller_verification_history (member_id);

CREATE TABLE complaint (
	id BIGINT NOT NULL AUTO_INCREMENT,
	order_id BIGINT NOT NULL,
	buyer_id BIGINT NOT NULL,
	seller_id BIGINT NOT NULL,
	reason VARCHAR(20) NOT NULL,
	description VARCHAR(1000) NOT NULL,
	status VARCHAR(20) NOT NULL,
	respond_by DATETIME(6) NOT NULL,
	offer VARCHAR(20),
	offer_amount BIGINT,
	seller_message VARCHAR(500),
	return_courier VARCHAR(10),
	return_waybill VARCHAR(40),
	decision VARCHAR(20),
	decision_amount BIGINT,
	resolution_note VARCHAR(200),
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_complaint PRIMARY KEY (id),
	CONSTRAINT uq_complaint_order_id UNIQUE (order_id),
	CONSTRAINT fk_complaint_order_id_purchase_order FOREIGN KEY(order_id) REFERENCES purchase_order (id),
	CONSTRAINT fk_complaint_buyer_id_member FOREIGN KEY(buyer_id) REFERENCES member (id),
	CONSTRAINT fk_complaint_seller_id_member FOREIGN KEY(seller_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_complaint_buyer_id ON complaint (buyer_id);

CREATE INDEX ix_complaint_seller_id ON complaint (seller_id);

CREATE INDEX ix_complaint_status_respond_by ON complaint (status, respond_by);

CREATE TABLE invoice (
	id BIGINT NOT NULL AUTO_INCREMENT,
	number VARCHAR(40) NOT NULL,
	order_id BIGINT NOT NULL,
	buyer_id BIGINT NOT NULL,
	seller_id BIGINT NOT NULL,
	payee_bank VARCHAR(10) NOT NULL,
	payee_account VARCHAR(20) NOT NULL,
	payee_holder VARCHAR(100) NOT NULL,
	goods_total BIGINT NOT NULL,
	shipping_cost BIGINT NOT NULL,
	unique_code INTEGER NOT NULL,
	amount_due BIGINT NOT NULL,
	status VARCHAR(10) NOT NULL,
	open_amount_key VARCHAR(60),
	stock_restored BOOL NOT NULL,
	issued_at DATETIME(6) NOT NULL,
	due_at DATETIME(6) NOT NULL,
	paid_at DATETIME(6),
	closed_at DATETIME(6),
	CONSTRAINT pk_invoice PRIMARY KEY (id),
	CONSTRAINT uq_invoice_number UNIQUE (number),
	CONSTRAINT uq_invoice_order_id UNIQUE (order_id),
	CONSTRAINT fk_invoice_order_id_purchase_order FOREIGN KEY(order_id) REFERENCES purchase_order (id),
	CONSTRAINT fk_invoice_buyer_id_member FOREIGN KEY(buyer_id) REFERENCES member (id),
	CONSTRAINT fk_invoice_seller_id_member FOREIGN KEY(seller_id) REFERENCES member (id),
	CONSTRAINT uq_invoice_open_amount_key UNIQUE (open_amount_key)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_invoice_buyer_id ON invoice (buyer_id);

CREATE INDEX ix_invoice_buyer_id_issued_at ON invoice (buyer_id, issued_at);

CREATE INDEX ix_invoice_issued_at ON invoice (issued_at);

CREATE INDEX ix_invoice_payee_bank_payee_account_amount_due ON invoice (payee_bank, payee_account, amount_due);

CREATE INDEX ix_invoice_seller_id ON invoice (seller_id);

CREATE INDEX ix_invoice_seller_id_issued_at ON invoice (seller_id, issued_at);

CREATE INDEX ix_invoice_status_due_at ON invoice (status, due_at);

CREATE TABLE order_line (
	id BIGINT NOT NULL AUTO_INCREMENT,
	order_id BIGINT NOT NULL,
	product_id BIGINT NOT NULL,
	name VARCHAR(200) NOT NULL,
	quantity INTEGER NOT NULL,
	unit_price BIGINT NOT NULL,
	weight_grams INTEGER NOT NULL,
	CONSTRAINT pk_order_line PRIMARY KEY (id),
	CONSTRAINT fk_order_line_order_id_purchase_order FOREIGN KEY(order_id) REFERENCES purchase_order (id),
	CONSTRAINT fk_order_line_product_id_product FOREIGN KEY(product_id) REFERENCES product (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_order_line_order_id ON order_line (order_id);

CREATE INDEX ix_order_line_product_id ON order_line (product_id);

CREATE TABLE order_status_history (
	id BIGINT NOT NULL AUTO_INCREMENT,
	order_id BIGINT NOT NULL,
	from_status VARCHAR(20),
	to_status VARCHAR(20) NOT NULL,
	reason VARCHAR(200) NOT NULL,
	changed_at DATETIME(6) NOT NULL,
	actor VARCHAR(80),
	CONSTRAINT pk_order_status_history PRIMARY KEY (id),
	CONSTRAINT fk_order_status_history_order_id_purchase_order FOREIGN KEY(order_id) REFERENCES purchase_order (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_order_status_history_order_id ON order_status_history (order_id);

CREATE TABLE shipment (
	id BIGINT NOT NULL AUTO_INCREMENT,
	order_id BIGINT NOT NULL,
	courier VARCHAR(10) NOT NULL,
	waybill VARCHAR(40) NOT NULL,
	courier_change_reason VARCHAR(200) NOT NULL,
	status VARCHAR(20) NOT NULL,
	courier_status VARCHAR(100) NOT NULL,
	final BOOL NOT NULL,
	received_by VARCHAR(100),
	delivered_at DATETIME(6),
	shipped_at DATETIME(6) NOT NULL,
	next_check_at DATETIME(6) NOT NULL,
	leased_until DATETIME(6),
	last_checked_at DATETIME(6),
	last_check_error VARCHAR(200) NOT NULL,
	CONSTRAINT pk_shipment PRIMARY KEY (id),
	CONSTRAINT uq_shipment_courier_waybill UNIQUE (courier, waybill),
	CONSTRAINT uq_shipment_order_id UNIQUE (order_id),
	CONSTRAINT fk_shipment_order_id_purchase_order FOREIGN KEY(order_id) REFERENCES purchase_order (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_shipment_final_next_check_at ON shipment (final, next_check_at);

CREATE TABLE auction_second_chance (
	id BIGINT NOT NULL AUTO_INCREMENT,
	product_id BIGINT NOT NULL,
	non_payer_id BIGINT NOT NULL,
	invoice_id BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	status VARCHAR(20) NOT NULL,
	due_at DATETIME(6),
	offered_to_id BIGINT,
	offer_amount BIGINT,
	relisted_as_id BIGINT,
	recorded_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	CONSTRAINT pk_auction_second_chance PRIMARY KEY (id),
	CONSTRAINT fk_auction_second_chance_product_id_product FOREIGN KEY(product_id) REFERENCES product (id),
	CONSTRAINT fk_auction_second_chance_non_payer_id_member FOREIGN KEY(non_payer_id) REFERENCES member (id),
	CONSTRAINT uq_auction_second_chance_invoice_id UNIQUE (invoice_id),
	CONSTRAINT fk_auction_second_chance_invoice_id_invoice FOREIGN KEY(invoice_id) REFERENCES invoice (id),
	CONSTRAINT fk_auction_second_chance_offered_to_id_member FOREIGN KEY(offered_to_id) REFERENCES member (id),
	CONSTRAINT fk_auction_second_chance_relisted_as_id_product FOREIGN KEY(relisted_as_id) REFERENCES product (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_auction_second_chance_non_payer_id ON auction_second_chance (non_payer_id);

CREATE INDEX ix_auction_second_chance_product_id ON auction_second_chance (product_id);

CREATE INDEX ix_auction_second_chance_status_due_at ON auction_second_chance (status, due_at);

CREATE TABLE bank_mutation (
	id BIGINT NOT NULL AUTO_INCREMENT,
	bank VARCHAR(10) NOT NULL,
	account_number VARCHAR(20) NOT NULL,
	mutation_id VARCHAR(40) NOT NULL,
	posted_at DATETIME(6) NOT NULL,
	type VARCHAR(2) NOT NULL,
	amount BIGINT NOT NULL,
	description VARCHAR(200) NOT NULL,
	balance BIGINT NOT NULL,
	read_at DATETIME(6) NOT NULL,
	match_status VARCHAR(12) NOT NULL,
	invoice_id BIGINT,
	note VARCHAR(300) NOT NULL,
	CONSTRAINT pk_bank_mutation PRIMARY KEY (id),
	CONSTRAINT uq_bank_mutation_bank_account_number_mutation_id UNIQUE (bank, account_number, mutation_id),
	CONSTRAINT uq_bank_mutation_invoice_id UNIQUE (invoice_id),
	CONSTRAINT fk_bank_mutation_invoice_id_invoice FOREIGN KEY(invoice_id) REFERENCES invoice (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_bank_mutation_match_status_read_at ON bank_mutation (match_status, read_at);

CREATE TABLE complaint_status_history (
	id BIGINT NOT NULL AUTO_INCREMENT,
	complaint_id BIGINT NOT NULL,
	from_status VARCHAR(20),
	to_status VARCHAR(20) NOT NULL,
	reason VARCHAR(200) NOT NULL,
	changed_at DATETIME(6) NOT NULL,
	actor VARCHAR(80),
	CONSTRAINT pk_complaint_status_history PRIMARY KEY (id),
	CONSTRAINT fk_complaint_status_history_complaint_id_complaint FOREIGN KEY(complaint_id) REFERENCES complaint (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_complaint_status_history_complaint_id ON complaint_status_history (complaint_id);

CREATE TABLE invoice_status_history (
	id BIGINT NOT NULL AUTO_INCREMENT,
	invoice_id BIGINT NOT NULL,
	from_status VARCHAR(10),
	to_status VARCHAR(10) NOT NULL,
	reason VARCHAR(200) NOT NULL,
	changed_at DATETIME(6) NOT NULL,
	actor VARCHAR(80),
	CONSTRAINT pk_invoice_status_history PRIMARY KEY (id),
	CONSTRAINT fk_invoice_status_history_invoice_id_invoice FOREIGN KEY(invoice_id) REFERENCES invoice (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_invoice_status_history_invoice_id ON invoice_status_history (invoice_id);

CREATE TABLE refund (
	id BIGINT NOT NULL AUTO_INCREMENT,
	order_id BIGINT NOT NULL,
	invoice_id BIGINT NOT NULL,
	buyer_id BIGINT NOT NULL,
	seller_id BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	reason VARCHAR(30) NOT NULL,
	note VARCHAR(200) NOT NULL,
	status VARCHAR(20) NOT NULL,
	due_at DATETIME(6) NOT NULL,
	bank_code VARCHAR(10),
	account_number VARCHAR(20),
	account_holder VARCHAR(100),
	account_set_at DATETIME(6),
	transfer_reference VARCHAR(60),
	transferred_amount BIGINT,
	transferred_at DATETIME(6),
	dispute_reason VARCHAR(200),
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	reminded_at DATETIME(6),
	CONSTRAINT pk_refund PRIMARY KEY (id),
	CONSTRAINT uq_refund_order_id UNIQUE (order_id),
	CONSTRAINT fk_refund_order_id_purchase_order FOREIGN KEY(order_id) REFERENCES purchase_order (id),
	CONSTRAINT fk_refund_invoice_id_invoice FOREIGN KEY(invoice_id) REFERENCES invoice (id),
	CONSTRAINT fk_refund_buyer_id_member FOREIGN KEY(buyer_id) REFERENCES member (id),
	CONSTRAINT fk_refund_seller_id_member FOREIGN KEY(seller_id) REFERENCES member (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_refund_buyer_id ON refund (buyer_id);

CREATE INDEX ix_refund_invoice_id ON refund (invoice_id);

CREATE INDEX ix_refund_seller_id ON refund (seller_id);

CREATE INDEX ix_refund_status_due_at ON refund (status, due_at);

CREATE TABLE shipment_event (
	id BIGINT NOT NULL AUTO_INCREMENT,
	shipment_id BIGINT NOT NULL,
	occurred_at DATETIME(6) NOT NULL,
	location VARCHAR(200) NOT NULL,
	description VARCHAR(500) NOT NULL,
	fingerprint VARCHAR(64) NOT NULL,
	CONSTRAINT pk_shipment_event PRIMARY KEY (id),
	CONSTRAINT uq_shipment_event_shipment_id_fingerprint UNIQUE (shipment_id, fingerprint),
	CONSTRAINT fk_shipment_event_shipment_id_shipment FOREIGN KEY(shipment_id) REFERENCES shipment (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE shipment_status_history (
	id BIGINT NOT NULL AUTO_INCREMENT,
	shipment_id BIGINT NOT NULL,
	from_status VARCHAR(20),
	to_status VARCHAR(20) NOT NULL,
	reason VARCHAR(200) NOT NULL,
	changed_at DATETIME(6) NOT NULL,
	actor VARCHAR(80),
	CONSTRAINT pk_shipment_status_history PRIMARY KEY (id),
	CONSTRAINT fk_shipment_status_history_shipment_id_shipment FOREIGN KEY(shipment_id) REFERENCES shipment (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_shipment_status_history_shipment_id ON shipment_status_history (shipment_id);

CREATE TABLE refund_status_history (
	id BIGINT NOT NULL AUTO_INCREMENT,
	refund_id BIGINT NOT NULL,
	from_status VARCHAR(20),
	to_status VARCHAR(20) NOT NULL,
	reason VARCHAR(200) NOT NULL,
	changed_at DATETIME(6) NOT NULL,
	actor VARCHAR(80),
	CONSTRAINT pk_refund_status_history PRIMARY KEY (id),
	CONSTRAINT fk_refund_status_history_refund_id_refund FOREIGN KEY(refund_id) REFERENCES refund (id)
)ENGINE=InnoDB CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE INDEX ix_refund_status_history_refund_id ON refund_status_history (refund_id);
