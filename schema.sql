-- MariaDB/MySQL schema of emall_ws, generated from emall_ws/db/models.py.
-- Do not edit: run `emall-ws export-schema` after changing the models.

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
