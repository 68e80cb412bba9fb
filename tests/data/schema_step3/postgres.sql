--
-- PostgreSQL database dump
--

\restrict tQMGh4pgOKubUlzHZZoRtnAitbtUg1qYip6GcsHA9qDb9j3vRqjmgoamln0ATJH

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id integer NOT NULL,
    at timestamp with time zone NOT NULL,
    vendor character varying(64) NOT NULL,
    business_day date NOT NULL,
    settlement_key character varying(128) NOT NULL,
    action character varying(32) NOT NULL,
    detail character varying NOT NULL
);


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;


--
-- Name: drop_folder_import; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.drop_folder_import (
    vendor character varying(64) NOT NULL,
    sha256 character varying(64) NOT NULL,
    name character varying(512) NOT NULL,
    imported_at timestamp with time zone NOT NULL
);


--
-- Name: fiken_pacing; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.fiken_pacing (
    credential character varying(64) NOT NULL,
    starts text NOT NULL
);


--
-- Name: sale_line; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sale_line (
    id integer NOT NULL,
    vendor character varying(64) NOT NULL,
    source character varying(32) NOT NULL,
    receipt_id character varying(128) NOT NULL,
    "timestamp" timestamp with time zone NOT NULL,
    business_day date NOT NULL,
    type character varying(32) NOT NULL,
    code character varying(128) NOT NULL,
    fallback_code character varying(128) NOT NULL,
    vat_code character varying(8),
    amount bigint NOT NULL,
    vat bigint NOT NULL,
    origin character varying(512) NOT NULL,
    discount bigint
);


--
-- Name: sale_line_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.sale_line_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: sale_line_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.sale_line_id_seq OWNED BY public.sale_line.id;


--
-- Name: schema_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_version (
    version integer NOT NULL,
    description character varying(200) NOT NULL,
    applied_at timestamp with time zone NOT NULL
);


--
-- Name: schema_version_version_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.schema_version_version_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: schema_version_version_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.schema_version_version_seq OWNED BY public.schema_version.version;


--
-- Name: settlement_day; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.settlement_day (
    vendor character varying(64) NOT NULL,
    business_day date NOT NULL,
    status character varying(16) NOT NULL,
    version bigint NOT NULL,
    settlement_key character varying(128) NOT NULL,
    mode character varying(16) NOT NULL,
    digest character varying(64) NOT NULL,
    sale_id bigint,
    transaction_id bigint,
    journal_entry_id bigint,
    attachment character varying(512) NOT NULL,
    attempts bigint NOT NULL,
    corrections bigint NOT NULL,
    reason character varying NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: source_note; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.source_note (
    id integer NOT NULL,
    vendor character varying(64) NOT NULL,
    business_day date NOT NULL,
    source character varying(32) NOT NULL,
    ref character varying(256) NOT NULL,
    message character varying NOT NULL
);


--
-- Name: source_note_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.source_note_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: source_note_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.source_note_id_seq OWNED BY public.source_note.id;


--
-- Name: webshop_order; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webshop_order (
    id integer NOT NULL,
    vendor character varying(64) NOT NULL,
    kind character varying(8) NOT NULL,
    woo_id bigint NOT NULL,
    order_id bigint NOT NULL,
    number character varying(64) NOT NULL,
    business_day date NOT NULL,
    "time" timestamp with time zone NOT NULL,
    amount bigint NOT NULL,
    payment_method character varying(64) NOT NULL,
    status character varying(32) NOT NULL,
    counts boolean NOT NULL,
    in_sales boolean NOT NULL
);


--
-- Name: webshop_order_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.webshop_order_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: webshop_order_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.webshop_order_id_seq OWNED BY public.webshop_order.id;


--
-- Name: woo_sync_cursor; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.woo_sync_cursor (
    vendor character varying(64) NOT NULL,
    modified_gmt character varying(32) NOT NULL
);


--
-- Name: audit_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);


--
-- Name: sale_line id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sale_line ALTER COLUMN id SET DEFAULT nextval('public.sale_line_id_seq'::regclass);


--
-- Name: schema_version version; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_version ALTER COLUMN version SET DEFAULT nextval('public.schema_version_version_seq'::regclass);


--
-- Name: source_note id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_note ALTER COLUMN id SET DEFAULT nextval('public.source_note_id_seq'::regclass);


--
-- Name: webshop_order id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webshop_order ALTER COLUMN id SET DEFAULT nextval('public.webshop_order_id_seq'::regclass);


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_log VALUES (1, '2026-12-01 20:20:19.9635+00', 'bergen-bryggen', '2026-11-02', '[settlement:bergen-bryggen:2026-11-02:v1]', 'sending', 'journal attempt 1');
INSERT INTO public.audit_log VALUES (2, '2026-12-01 20:20:20.041606+00', 'bergen-bryggen', '2026-11-02', '[settlement:bergen-bryggen:2026-11-02:v1]', 'sent', 'journal 14462737001');
INSERT INTO public.audit_log VALUES (3, '2026-12-01 20:20:20.088525+00', 'bergen-bryggen', '2026-11-02', '[settlement:bergen-bryggen:2026-11-02:v1]', 'posted', 'key [settlement:bergen-bryggen:2026-11-02:v1], transaction 14462737001, journal entry 5200001');
INSERT INTO public.audit_log VALUES (4, '2026-12-01 20:20:20.110326+00', 'bergen-bryggen', '2026-11-02', '[settlement:bergen-bryggen:2026-11-02:v1]', 'documented', 'dagsoppgjor-bergen-bryggen-2026-11-02-v1.pdf → http://127.0.0.1:35333/api/v2/files/78557d5f-9822-4a90-b81b-83628199a115; kept at /tmp/settlement-pg-fefltfdw/ws/data/reports/bergen-bryggen/dagsoppgjor-bergen-bryggen-2026-11-02-v1.pdf');
INSERT INTO public.audit_log VALUES (5, '2026-12-01 20:20:20.154184+00', 'butikk-sentrum', '2026-11-02', '[settlement:butikk-sentrum:2026-11-02:v1]', 'sending', 'sale attempt 1');
INSERT INTO public.audit_log VALUES (6, '2026-12-01 20:20:20.170086+00', 'butikk-sentrum', '2026-11-02', '[settlement:butikk-sentrum:2026-11-02:v1]', 'sent', 'sale 7300001');
INSERT INTO public.audit_log VALUES (7, '2026-12-01 20:20:20.171299+00', 'butikk-sentrum', '2026-11-02', '[settlement:butikk-sentrum:2026-11-02:v1]', 'sending', 'journal attempt 2');
INSERT INTO public.audit_log VALUES (8, '2026-12-01 20:20:21.054804+00', 'butikk-sentrum', '2026-11-02', '[settlement:butikk-sentrum:2026-11-02:v1]', 'sent', 'journal 14462737003');
INSERT INTO public.audit_log VALUES (9, '2026-12-01 20:20:21.100393+00', 'butikk-sentrum', '2026-11-02', '[settlement:butikk-sentrum:2026-11-02:v1]', 'posted', 'key [settlement:butikk-sentrum:2026-11-02:v1], sale 7300001, transaction 14462737003, journal entry 5200003');
INSERT INTO public.audit_log VALUES (10, '2026-12-01 20:20:21.119365+00', 'butikk-sentrum', '2026-11-02', '[settlement:butikk-sentrum:2026-11-02:v1]', 'documented', 'dagsoppgjor-butikk-sentrum-2026-11-02-v1.pdf → http://127.0.0.1:35333/api/v2/files/b88f3ec3-7c71-4ab7-8df9-0466c0d29459; kept at /tmp/settlement-pg-fefltfdw/ws/data/reports/butikk-sentrum/dagsoppgjor-butikk-sentrum-2026-11-02-v1.pdf');


--
-- Data for Name: drop_folder_import; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: fiken_pacing; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.fiken_pacing VALUES ('e50557da4f84e4a69d1baa3ee8d73b67', '[1796156420.168107, 1796156421.052321, 1796156421.098445, 1796156421.117642]');


--
-- Data for Name: sale_line; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.sale_line VALUES (1, 'bergen-bryggen', 'csv', 'N-1', '2026-11-02 09:15:00+00', '2026-11-02', 'sale', 'high', '', '3', 12500, 2500, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:2', NULL);
INSERT INTO public.sale_line VALUES (2, 'bergen-bryggen', 'csv', 'N-1', '2026-11-02 09:15:00+00', '2026-11-02', 'sale', 'food', '', '31', 5750, 750, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:3', NULL);
INSERT INTO public.sale_line VALUES (3, 'bergen-bryggen', 'csv', 'N-1', '2026-11-02 09:15:00+00', '2026-11-02', 'payment', 'card', '', NULL, 18250, 0, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:4', NULL);
INSERT INTO public.sale_line VALUES (4, 'bergen-bryggen', 'csv', 'N-2', '2026-11-02 11:00:00+00', '2026-11-02', 'sale', 'high', '', '3', 9990, 1998, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:5', NULL);
INSERT INTO public.sale_line VALUES (5, 'bergen-bryggen', 'csv', 'N-2', '2026-11-02 11:00:00+00', '2026-11-02', 'payment', 'vipps', '', NULL, 9990, 0, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:6', NULL);
INSERT INTO public.sale_line VALUES (6, 'bergen-bryggen', 'csv', 'N-3', '2026-11-02 15:45:00+00', '2026-11-02', 'sale', 'food', '', '31', 23000, 3000, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:7', NULL);
INSERT INTO public.sale_line VALUES (7, 'bergen-bryggen', 'csv', 'N-3', '2026-11-02 15:45:00+00', '2026-11-02', 'sale', 'high', '', '3', 1999, 400, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:8', NULL);
INSERT INTO public.sale_line VALUES (8, 'bergen-bryggen', 'csv', 'N-3', '2026-11-02 15:45:00+00', '2026-11-02', 'payment', 'cash', '', NULL, 24999, 0, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:9', NULL);
INSERT INTO public.sale_line VALUES (9, 'butikk-sentrum', 'csv', 'N-1', '2026-11-02 09:15:00+00', '2026-11-02', 'sale', 'high', '', '3', 12500, 2500, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:2', NULL);
INSERT INTO public.sale_line VALUES (10, 'butikk-sentrum', 'csv', 'N-1', '2026-11-02 09:15:00+00', '2026-11-02', 'sale', 'food', '', '31', 5750, 750, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:3', NULL);
INSERT INTO public.sale_line VALUES (11, 'butikk-sentrum', 'csv', 'N-1', '2026-11-02 09:15:00+00', '2026-11-02', 'payment', 'card', '', NULL, 18250, 0, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:4', NULL);
INSERT INTO public.sale_line VALUES (12, 'butikk-sentrum', 'csv', 'N-2', '2026-11-02 11:00:00+00', '2026-11-02', 'sale', 'high', '', '3', 9990, 1998, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:5', NULL);
INSERT INTO public.sale_line VALUES (13, 'butikk-sentrum', 'csv', 'N-2', '2026-11-02 11:00:00+00', '2026-11-02', 'payment', 'vipps', '', NULL, 9990, 0, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:6', NULL);
INSERT INTO public.sale_line VALUES (14, 'butikk-sentrum', 'csv', 'N-3', '2026-11-02 15:45:00+00', '2026-11-02', 'sale', 'food', '', '31', 23000, 3000, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:7', NULL);
INSERT INTO public.sale_line VALUES (15, 'butikk-sentrum', 'csv', 'N-3', '2026-11-02 15:45:00+00', '2026-11-02', 'sale', 'high', '', '3', 1999, 400, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:8', NULL);
INSERT INTO public.sale_line VALUES (16, 'butikk-sentrum', 'csv', 'N-3', '2026-11-02 15:45:00+00', '2026-11-02', 'payment', 'cash', '', NULL, 24999, 0, '/tmp/h5_base/tests/golden/voucher/normal_day.csv:9', NULL);


--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_version VALUES (1, 'initial schema: sales, notes, webshop orders, posting state, audit log, Fiken pacing', '2026-12-01 20:20:19.923665+00');
INSERT INTO public.schema_version VALUES (2, 'sale_line: covering index for the daily summary', '2026-12-01 20:20:19.924905+00');
INSERT INTO public.schema_version VALUES (3, 'sale_line: discount column (informational, for the settlement report)', '2026-12-01 20:20:19.931319+00');


--
-- Data for Name: settlement_day; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.settlement_day VALUES ('bergen-bryggen', '2026-11-02', 'documented', 1, '[settlement:bergen-bryggen:2026-11-02:v1]', 'journal', 'ce64ab916b9c71c06bb46162ea66135ba0f00290fcad1f984a610fe8e64782c2', NULL, 14462737001, 5200001, 'http://127.0.0.1:35333/api/v2/files/78557d5f-9822-4a90-b81b-83628199a115', 1, 0, '', '2026-12-01 20:20:20.109395+00');
INSERT INTO public.settlement_day VALUES ('butikk-sentrum', '2026-11-02', 'documented', 1, '[settlement:butikk-sentrum:2026-11-02:v1]', 'cash_sale', '563547dc32cca300e4da5ce2f5117df4fbbf7dc64be3aace66ef3438e6df2ed5', 7300001, 14462737003, 5200003, 'http://127.0.0.1:35333/api/v2/files/b88f3ec3-7c71-4ab7-8df9-0466c0d29459', 2, 0, '', '2026-12-01 20:20:21.118213+00');


--
-- Data for Name: source_note; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: webshop_order; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: woo_sync_cursor; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_log_id_seq', 10, true);


--
-- Name: sale_line_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.sale_line_id_seq', 16, true);


--
-- Name: schema_version_version_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.schema_version_version_seq', 1, false);


--
-- Name: source_note_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.source_note_id_seq', 1, false);


--
-- Name: webshop_order_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.webshop_order_id_seq', 1, false);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: drop_folder_import drop_folder_import_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.drop_folder_import
    ADD CONSTRAINT drop_folder_import_pkey PRIMARY KEY (vendor, sha256);


--
-- Name: fiken_pacing fiken_pacing_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fiken_pacing
    ADD CONSTRAINT fiken_pacing_pkey PRIMARY KEY (credential);


--
-- Name: sale_line sale_line_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sale_line
    ADD CONSTRAINT sale_line_pkey PRIMARY KEY (id);


--
-- Name: schema_version schema_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);


--
-- Name: settlement_day settlement_day_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.settlement_day
    ADD CONSTRAINT settlement_day_pkey PRIMARY KEY (vendor, business_day);


--
-- Name: source_note source_note_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_note
    ADD CONSTRAINT source_note_pkey PRIMARY KEY (id);


--
-- Name: webshop_order webshop_order_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webshop_order
    ADD CONSTRAINT webshop_order_pkey PRIMARY KEY (id);


--
-- Name: woo_sync_cursor woo_sync_cursor_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.woo_sync_cursor
    ADD CONSTRAINT woo_sync_cursor_pkey PRIMARY KEY (vendor);


--
-- Name: ix_audit_vendor_day; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_vendor_day ON public.audit_log USING btree (vendor, business_day);


--
-- Name: ix_sale_line_receipt; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_sale_line_receipt ON public.sale_line USING btree (vendor, source, receipt_id);


--
-- Name: ix_sale_line_summary; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_sale_line_summary ON public.sale_line USING btree (vendor, business_day, type, code, fallback_code, vat_code, amount, vat, receipt_id);


--
-- Name: ix_source_note_day; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_source_note_day ON public.source_note USING btree (vendor, business_day);


--
-- Name: ix_webshop_order_day; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_webshop_order_day ON public.webshop_order USING btree (vendor, business_day);


--
-- Name: ix_webshop_order_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_webshop_order_key ON public.webshop_order USING btree (vendor, kind, woo_id);


--
-- Name: ix_webshop_order_order; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_webshop_order_order ON public.webshop_order USING btree (vendor, order_id);


--
-- PostgreSQL database dump complete
--

\unrestrict tQMGh4pgOKubUlzHZZoRtnAitbtUg1qYip6GcsHA9qDb9j3vRqjmgoamln0ATJH

