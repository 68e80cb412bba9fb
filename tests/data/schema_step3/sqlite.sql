BEGIN TRANSACTION;
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	vendor VARCHAR(64) NOT NULL, 
	business_day DATE NOT NULL, 
	settlement_key VARCHAR(128) NOT NULL, 
	action VARCHAR(32) NOT NULL, 
	detail VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "audit_log" VALUES(1,'2026-12-01 20:20:18.176295','bergen-bryggen','2026-11-02','[settlement:bergen-bryggen:2026-11-02:v1]','sending','journal attempt 1');
INSERT INTO "audit_log" VALUES(2,'2026-12-01 20:20:18.181134','bergen-bryggen','2026-11-02','[settlement:bergen-bryggen:2026-11-02:v1]','sent','journal 14462737001');
INSERT INTO "audit_log" VALUES(3,'2026-12-01 20:20:18.226762','bergen-bryggen','2026-11-02','[settlement:bergen-bryggen:2026-11-02:v1]','posted','key [settlement:bergen-bryggen:2026-11-02:v1], transaction 14462737001, journal entry 5200001');
INSERT INTO "audit_log" VALUES(4,'2026-12-01 20:20:18.251344','bergen-bryggen','2026-11-02','[settlement:bergen-bryggen:2026-11-02:v1]','documented','dagsoppgjor-bergen-bryggen-2026-11-02-v1.pdf → http://127.0.0.1:34577/api/v2/files/4d7c14be-cbf3-41b8-bedc-7f50220bae48; kept at /tmp/tmpf37mugly/sqlite/data/reports/bergen-bryggen/dagsoppgjor-bergen-bryggen-2026-11-02-v1.pdf');
INSERT INTO "audit_log" VALUES(5,'2026-12-01 20:20:18.269480','butikk-sentrum','2026-11-02','[settlement:butikk-sentrum:2026-11-02:v1]','sending','sale attempt 1');
INSERT INTO "audit_log" VALUES(6,'2026-12-01 20:20:18.273131','butikk-sentrum','2026-11-02','[settlement:butikk-sentrum:2026-11-02:v1]','sent','sale 7300001');
INSERT INTO "audit_log" VALUES(7,'2026-12-01 20:20:18.273633','butikk-sentrum','2026-11-02','[settlement:butikk-sentrum:2026-11-02:v1]','sending','journal attempt 2');
INSERT INTO "audit_log" VALUES(8,'2026-12-01 20:20:19.194718','butikk-sentrum','2026-11-02','[settlement:butikk-sentrum:2026-11-02:v1]','sent','journal 14462737003');
INSERT INTO "audit_log" VALUES(9,'2026-12-01 20:20:19.238722','butikk-sentrum','2026-11-02','[settlement:butikk-sentrum:2026-11-02:v1]','posted','key [settlement:butikk-sentrum:2026-11-02:v1], sale 7300001, transaction 14462737003, journal entry 5200003');
INSERT INTO "audit_log" VALUES(10,'2026-12-01 20:20:19.264934','butikk-sentrum','2026-11-02','[settlement:butikk-sentrum:2026-11-02:v1]','documented','dagsoppgjor-butikk-sentrum-2026-11-02-v1.pdf → http://127.0.0.1:34577/api/v2/files/17109869-7c21-4f5e-84d3-e80873c7cf24; kept at /tmp/tmpf37mugly/sqlite/data/reports/butikk-sentrum/dagsoppgjor-butikk-sentrum-2026-11-02-v1.pdf');
CREATE TABLE drop_folder_import (
	vendor VARCHAR(64) NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	name VARCHAR(512) NOT NULL, 
	imported_at DATETIME NOT NULL, 
	PRIMARY KEY (vendor, sha256)
);
CREATE TABLE fiken_pacing (
	credential VARCHAR(64) NOT NULL, 
	starts TEXT NOT NULL, 
	PRIMARY KEY (credential)
);
CREATE TABLE sale_line (
	id INTEGER NOT NULL, 
	vendor VARCHAR(64) NOT NULL, 
	source VARCHAR(32) NOT NULL, 
	receipt_id VARCHAR(128) NOT NULL, 
	timestamp DATETIME NOT NULL, 
	business_day DATE NOT NULL, 
	type VARCHAR(32) NOT NULL, 
	code VARCHAR(128) NOT NULL, 
	fallback_code VARCHAR(128) NOT NULL, 
	vat_code VARCHAR(8), 
	amount INTEGER NOT NULL, 
	vat INTEGER NOT NULL, 
	origin VARCHAR(512) NOT NULL, 
	discount INTEGER, 
	PRIMARY KEY (id)
);
INSERT INTO "sale_line" VALUES(1,'bergen-bryggen','csv','N-1','2026-11-02 09:15:00.000000','2026-11-02','sale','high','','3',12500,2500,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:2',NULL);
INSERT INTO "sale_line" VALUES(2,'bergen-bryggen','csv','N-1','2026-11-02 09:15:00.000000','2026-11-02','sale','food','','31',5750,750,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:3',NULL);
INSERT INTO "sale_line" VALUES(3,'bergen-bryggen','csv','N-1','2026-11-02 09:15:00.000000','2026-11-02','payment','card','',NULL,18250,0,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:4',NULL);
INSERT INTO "sale_line" VALUES(4,'bergen-bryggen','csv','N-2','2026-11-02 11:00:00.000000','2026-11-02','sale','high','','3',9990,1998,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:5',NULL);
INSERT INTO "sale_line" VALUES(5,'bergen-bryggen','csv','N-2','2026-11-02 11:00:00.000000','2026-11-02','payment','vipps','',NULL,9990,0,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:6',NULL);
INSERT INTO "sale_line" VALUES(6,'bergen-bryggen','csv','N-3','2026-11-02 15:45:00.000000','2026-11-02','sale','food','','31',23000,3000,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:7',NULL);
INSERT INTO "sale_line" VALUES(7,'bergen-bryggen','csv','N-3','2026-11-02 15:45:00.000000','2026-11-02','sale','high','','3',1999,400,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:8',NULL);
INSERT INTO "sale_line" VALUES(8,'bergen-bryggen','csv','N-3','2026-11-02 15:45:00.000000','2026-11-02','payment','cash','',NULL,24999,0,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:9',NULL);
INSERT INTO "sale_line" VALUES(9,'butikk-sentrum','csv','N-1','2026-11-02 09:15:00.000000','2026-11-02','sale','high','','3',12500,2500,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:2',NULL);
INSERT INTO "sale_line" VALUES(10,'butikk-sentrum','csv','N-1','2026-11-02 09:15:00.000000','2026-11-02','sale','food','','31',5750,750,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:3',NULL);
INSERT INTO "sale_line" VALUES(11,'butikk-sentrum','csv','N-1','2026-11-02 09:15:00.000000','2026-11-02','payment','card','',NULL,18250,0,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:4',NULL);
INSERT INTO "sale_line" VALUES(12,'butikk-sentrum','csv','N-2','2026-11-02 11:00:00.000000','2026-11-02','sale','high','','3',9990,1998,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:5',NULL);
INSERT INTO "sale_line" VALUES(13,'butikk-sentrum','csv','N-2','2026-11-02 11:00:00.000000','2026-11-02','payment','vipps','',NULL,9990,0,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:6',NULL);
INSERT INTO "sale_line" VALUES(14,'butikk-sentrum','csv','N-3','2026-11-02 15:45:00.000000','2026-11-02','sale','food','','31',23000,3000,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:7',NULL);
INSERT INTO "sale_line" VALUES(15,'butikk-sentrum','csv','N-3','2026-11-02 15:45:00.000000','2026-11-02','sale','high','','3',1999,400,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:8',NULL);
INSERT INTO "sale_line" VALUES(16,'butikk-sentrum','csv','N-3','2026-11-02 15:45:00.000000','2026-11-02','payment','cash','',NULL,24999,0,'/tmp/h5_base/tests/golden/voucher/normal_day.csv:9',NULL);
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	description VARCHAR(200) NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_version" VALUES(1,'initial schema: sales, notes, webshop orders, posting state, audit log, Fiken pacing','2026-12-01 20:20:18.162081');
INSERT INTO "schema_version" VALUES(2,'sale_line: covering index for the daily summary','2026-12-01 20:20:18.162562');
INSERT INTO "schema_version" VALUES(3,'sale_line: discount column (informational, for the settlement report)','2026-12-01 20:20:18.163050');
CREATE TABLE settlement_day (
	vendor VARCHAR(64) NOT NULL, 
	business_day DATE NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	version INTEGER NOT NULL, 
	settlement_key VARCHAR(128) NOT NULL, 
	mode VARCHAR(16) NOT NULL, 
	digest VARCHAR(64) NOT NULL, 
	sale_id BIGINT, 
	transaction_id BIGINT, 
	journal_entry_id BIGINT, 
	attachment VARCHAR(512) NOT NULL, 
	attempts INTEGER NOT NULL, 
	corrections INTEGER NOT NULL, 
	reason VARCHAR NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (vendor, business_day)
);
INSERT INTO "settlement_day" VALUES('bergen-bryggen','2026-11-02','documented',1,'[settlement:bergen-bryggen:2026-11-02:v1]','journal','ce64ab916b9c71c06bb46162ea66135ba0f00290fcad1f984a610fe8e64782c2',NULL,14462737001,5200001,'http://127.0.0.1:34577/api/v2/files/4d7c14be-cbf3-41b8-bedc-7f50220bae48',1,0,'','2026-12-01 20:20:18.250565');
INSERT INTO "settlement_day" VALUES('butikk-sentrum','2026-11-02','documented',1,'[settlement:butikk-sentrum:2026-11-02:v1]','cash_sale','563547dc32cca300e4da5ce2f5117df4fbbf7dc64be3aace66ef3438e6df2ed5',7300001,14462737003,5200003,'http://127.0.0.1:34577/api/v2/files/17109869-7c21-4f5e-84d3-e80873c7cf24',2,0,'','2026-12-01 20:20:19.264136');
CREATE TABLE source_note (
	id INTEGER NOT NULL, 
	vendor VARCHAR(64) NOT NULL, 
	business_day DATE NOT NULL, 
	source VARCHAR(32) NOT NULL, 
	ref VARCHAR(256) NOT NULL, 
	message VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE webshop_order (
	id INTEGER NOT NULL, 
	vendor VARCHAR(64) NOT NULL, 
	kind VARCHAR(8) NOT NULL, 
	woo_id INTEGER NOT NULL, 
	order_id INTEGER NOT NULL, 
	number VARCHAR(64) NOT NULL, 
	business_day DATE NOT NULL, 
	time DATETIME NOT NULL, 
	amount INTEGER NOT NULL, 
	payment_method VARCHAR(64) NOT NULL, 
	status VARCHAR(32) NOT NULL, 
	counts BOOLEAN NOT NULL, 
	in_sales BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE woo_sync_cursor (
	vendor VARCHAR(64) NOT NULL, 
	modified_gmt VARCHAR(32) NOT NULL, 
	PRIMARY KEY (vendor)
);
CREATE INDEX ix_sale_line_summary ON sale_line (vendor, business_day, type, code, fallback_code, vat_code, amount, vat, receipt_id);
CREATE INDEX ix_sale_line_receipt ON sale_line (vendor, source, receipt_id);
CREATE INDEX ix_source_note_day ON source_note (vendor, business_day);
CREATE INDEX ix_webshop_order_day ON webshop_order (vendor, business_day);
CREATE INDEX ix_webshop_order_order ON webshop_order (vendor, order_id);
CREATE UNIQUE INDEX ix_webshop_order_key ON webshop_order (vendor, kind, woo_id);
CREATE INDEX ix_audit_vendor_day ON audit_log (vendor, business_day);
COMMIT;
