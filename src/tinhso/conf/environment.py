"""Every environment variable tinhso reads, declared once with its default and meaning.

Settings modules read configuration only through :func:`env`; the README's configuration table is
checked against :data:`VARIABLES` by a test, so a variable cannot be added without documenting it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    help: str


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in [
        Variable("DJANGO_SETTINGS_MODULE", "tinhso.conf.settings.dev",
                 "Settings module: `…dev` (embedded demo), `…production`, `…test`."),
        Variable("DEBUG", "false", "Show debug pages. Refused by the production settings."),
        Variable("SECRET_KEY", "insecure-embedded-key-change-me",
                 "Signing key. Production refuses to start with the default."),
        Variable("ALLOWED_HOSTS", "127.0.0.1,localhost", "Comma-separated host names the site answers to."),
        Variable("CSRF_TRUSTED_ORIGINS", "", "Comma-separated origins (scheme://host) trusted for CSRF."),
        Variable("DATABASE_URL", "",
                 "Database URL; `postgres://user:pass@host:5432/name` for PostgreSQL. Empty: the embedded "
                 "SQLite file `<DATA_DIR>/tinhso.sqlite3`. A relative SQLite path is relative to the "
                 "project's root."),
        Variable("DATABASE_CONN_MAX_AGE", "60", "Seconds a database connection is kept open (PostgreSQL)."),
        Variable("DATABASE_HEALTH_CHECKS", "false",
                 "Check a kept connection with a round trip (`SELECT 1`) before each request uses it. Off: a "
                 "connection broken by a database restart fails one request in each process and is replaced."),
        Variable("DATABASE_POOL_SIZE", "0",
                 "PostgreSQL: connections per web or worker process kept in a psycopg pool (Django's `pool` "
                 "option); 0 keeps one persistent connection per thread (`DATABASE_CONN_MAX_AGE`) instead."),
        Variable("DATABASE_PGBOUNCER", "false",
                 "PostgreSQL: `true` when `DATABASE_URL` points at PgBouncer in transaction mode (no server-side "
                 "cursors, no prepared statements)."),
        Variable("DATABASE_REPLICA_URLS", "",
                 "Comma-separated URLs of PostgreSQL streaming replicas of `DATABASE_URL`: the operations centre, "
                 "the public catalogue, search and list pages read from them; writes go to the primary."),
        Variable("DATABASE_REPLICA_PIN_SECONDS", "10",
                 "After a visitor's request that may write (POST, PUT, PATCH, DELETE), their pages read from the "
                 "primary for this many seconds, so they see their own change even while a replica lags."),
        Variable("DATABASE_REPLICA_MAX_LAG_SECONDS", "30",
                 "A replica whose replay is further behind than this (checked every 5 s in each process) serves "
                 "no reads until it catches up; with no replica left the primary serves them."),
        Variable("TASK_WORKER_HEARTBEAT_SECONDS", "5",
                 "How often each `tinhso worker` records that it is alive and looks for tasks left running by a "
                 "worker that stopped."),
        Variable("TASK_WORKER_STALE_SECONDS", "30",
                 "A worker not heard from for this long is taken for dead: the task it was running is queued "
                 "again and runs in another worker."),
        Variable("PAGE_CACHE_SECONDS", "60",
                 "Public pages: seconds a rendered page or fragment is kept in each process. A catalogue change "
                 "shows at once in the process that made it and within this time in the others."),
        Variable("EMAIL_URL", "console:",
                 "Outgoing mail: `smtp://user:pass@host:25`, `smtp+tls://…:587`, `smtps://…:465`, "
                 "`console:` (print) or `memory:` (tests)."),
        Variable("DEFAULT_FROM_EMAIL", "tinhso <no-reply@localhost>", "Sender of the platform's e-mail."),
        Variable("PROVINCE_CODE", "40",
                 "Code (2025 list) of the province this deployment serves; `40` is Nghệ An."),
        Variable("OFFICE_HOURS", "07:30-11:30,13:30-17:00",
                 "Office sessions of a working day, comma-separated `HH:MM-HH:MM` (standards §3, "
                 "unconfirmed default; provinces differ)."),
        Variable("PUBLIC_BASE_URL", "http://127.0.0.1:8000",
                 "Public address of the site, used in e-mails and in the QR codes printed on forms."),
        Variable("SMS_BACKEND", "log",
                 "SMS gateway of the notice service: `log` (write to the application log, phone masked), "
                 "`memory` (kept in memory, for tests), another registered name, or a dotted path to a class "
                 "implementing `tinhso.common.notices.SmsBackend`."),
        Variable("SMS_ENCODING", "gsm7",
                 "The one encoding of every SMS: `gsm7` writes the whole message without accents in the GSM "
                 "7-bit alphabet (160 characters in one segment, 153 per part of a longer one; what Vietnamese "
                 "gateways price cheapest), `ucs2` keeps the accents (70 characters, 67 per part)."),
        Variable("SMS_MAX_SEGMENTS", "1",
                 "Segments an SMS may take (1–10): a longer message is shortened at a word boundary with an "
                 "ellipsis, its trailing link kept whole."),
        Variable("NOTICE_RETRY_DELAYS", "60,300,1800,7200,21600",
                 "Seconds to wait before each retry of an e-mail or SMS that did not get through (each "
                 "stretched by up to 10 %); after the last, the notice is listed as failed for administrators "
                 "to resend. The default retries after 1 min, 5 min, 30 min, 2 h and 6 h."),
        Variable("UPLOAD_MAX_MB", "20", "Largest accepted upload, in megabytes."),
        Variable("TRUSTED_PROXIES", "",
                 "Comma-separated addresses or networks (`127.0.0.1`, `10.0.0.0/8`) of the reverse proxies in "
                 "front of the site. Only their `X-Forwarded-For` is believed: the client's address (for rate "
                 "limits and logs) is the last one in it that is not a trusted proxy. Empty: the peer's address."),
        Variable("DUE_SOON_WORKING_DAYS", "1",
                 "A dossier or step is 'due soon' when its due moment is this many working days away or less."),
        Variable("DIRECTIVES_REMINDER_DAYS", "7,3,1",
                 "Working days before an assigned task's due moment at which its lead agency is reminded "
                 "(`tinhso directives remind`; standards §11)."),
        Variable("COMPLAINT_HANDLING_WORKING_DAYS", "10",
                 "Working days an agency has to answer feedback or a complaint (after NĐ 20/2008/NĐ-CP; "
                 "unconfirmed default)."),
        Variable("MEDIA_LICENCE_EXPIRY_DAYS", "60",
                 "Days before a website licence expires when it is listed as expiring and its holder is notified."),
        Variable("MEDIA_MONITOR_FAILURES", "3",
                 "Failed checks in a row of a licensed website that open an alert for the department."),
        Variable("MEDIA_MONITOR_TIMEOUT", "10", "Seconds a website check waits for the site."),
        Variable("MEDIA_REPORTS_PER_HOUR", "5",
                 "Reports of false information one address may file on the portal per hour."),
        Variable("MEDIA_BRIEFING_INFO_WORKING_DAYS", "3",
                 "Working days before a press briefing by which the invited agencies deliver their information."),
        Variable("DATA_DIR", "var",
                 "Where the embedded mode keeps its database (unless `DATABASE_URL` is set) and uploads "
                 "(unless `MEDIA_ROOT` is set); relative to the project's root."),
        Variable("MEDIA_ROOT", "", "Uploaded files; defaults to `<DATA_DIR>/media`."),
        Variable("FILE_STORAGE", "local",
                 "Where uploaded and issued files are kept: `local` (the file system under `MEDIA_ROOT`) or `s3` "
                 "(an S3-compatible object store through django-storages; the `S3_*` variables)."),
        Variable("S3_BUCKET", "", "Object storage: the bucket (created beforehand) that holds the files."),
        Variable("S3_ENDPOINT_URL", "",
                 "Object storage: the S3-compatible service's address (MinIO, Ceph, a cloud's S3); empty for AWS."),
        Variable("S3_REGION", "", "Object storage: the region name, if the service wants one."),
        Variable("S3_ACCESS_KEY_ID", "", "Object storage: the access key (keep it out of the repository)."),
        Variable("S3_SECRET_ACCESS_KEY", "", "Object storage: the secret key (keep it out of the repository)."),
        Variable("S3_PREFIX", "", "Object storage: a folder inside the bucket for this deployment's files."),
        Variable("STATIC_ROOT", "", "Collected static files; defaults to `<DATA_DIR>/static`."),
        Variable("TASKS_BACKEND", "database",
                 "Background tasks: `database` (queue in the database, run by `tinhso db_worker`) or "
                 "`immediate` (run in the request)."),
        Variable("LANGUAGE_CODE", "vi", "Default language of the interface (`vi` or `en`)."),
        Variable("MAP_TILE_URL", "",
                 "Maps: a deployment's own tile server, e.g. `/tiles/{z}/{x}/{y}.png` (same origin) or "
                 "`https://tiles.example.gov.vn/{z}/{x}/{y}.png` (its origin is then allowed for images in the "
                 "CSP). Empty: the offline base map shipped with the platform."),
        Variable("MAP_TILE_ATTRIBUTION", "", "Maps: the attribution the tile server's licence asks for."),
        Variable("MAP_MAX_ZOOM", "18", "Maps: the highest zoom level offered."),
        Variable("BRIEFING_HOUR", "7",
                 "Operations room: the local hour (0-23) from which `tinhso ioc briefing` sends each leader's "
                 "daily briefing."),
        Variable("LOG_LEVEL", "INFO", "Level of the application's log."),
        Variable("SECURE_SSL_REDIRECT", "true", "Production: redirect HTTP to HTTPS."),
        Variable("SECURE_HSTS_SECONDS", "31536000", "Production: HSTS max-age in seconds (0 disables)."),
        Variable("OIDC_ISSUER", "",
                 "VNeID sign-in (OpenID Connect): the provider's issuer, compared with the id_token's `iss`. "
                 "With this, `OIDC_CLIENT_ID` and the authorization, token and JWKS endpoints set, the "
                 "\"Đăng nhập bằng VNeID\" button shows; otherwise it is hidden."),
        Variable("OIDC_CLIENT_ID", "", "VNeID sign-in: the client id the provider registered for this site."),
        Variable("OIDC_CLIENT_SECRET", "", "VNeID sign-in: the client secret (keep it out of the repository)."),
        Variable("OIDC_AUTHORIZATION_ENDPOINT", "", "VNeID sign-in: the provider's authorization endpoint URL."),
        Variable("OIDC_TOKEN_ENDPOINT", "", "VNeID sign-in: the provider's token endpoint URL."),
        Variable("OIDC_JWKS_ENDPOINT", "", "VNeID sign-in: the provider's JWKS URL (keys that sign id_tokens)."),
        Variable("OIDC_USERINFO_ENDPOINT", "",
                 "VNeID sign-in: the provider's userinfo endpoint URL; empty uses the id_token's claims only."),
        Variable("OIDC_SIGN_ALGORITHM", "RS256", "VNeID sign-in: the algorithm the provider signs id_tokens with."),
        Variable("OIDC_SCOPES", "openid profile email phone", "VNeID sign-in: the scopes requested, space-separated."),
        Variable("OIDC_CITIZEN_ID_CLAIM", "citizen_id",
                 "VNeID sign-in: the claim that carries the 12-digit citizen ID; accounts are linked by it."),
        Variable("OIDC_USE_PKCE", "true",
                 "VNeID sign-in: send a PKCE challenge (S256) with the authorization request."),
        Variable("EXCHANGE_INSTANCE", "VN",
                 "Data-sharing gateway: the X-Road instance this deployment belongs to."),
        Variable("EXCHANGE_MEMBER_CLASS", "GOV", "Data-sharing gateway: this deployment's X-Road member class."),
        Variable("EXCHANGE_MEMBER_CODE", "",
                 "Data-sharing gateway: this deployment's member code; empty uses the province People's Committee "
                 "identifier `000.00.00.<level-1 code>` of `PROVINCE_CODE`."),
        Variable("EXCHANGE_SUBSYSTEM", "tinhso",
                 "Data-sharing gateway: the subsystem code under which this deployment offers its services."),
        Variable("EXCHANGE_CLIENT_CERT_HEADER", "",
                 "Data-sharing gateway behind a TLS-terminating proxy: the request header carrying the client "
                 "certificate as URL-encoded PEM (nginx `$ssl_client_escaped_cert`), e.g. `X-SSL-Client-Cert`; "
                 "read only from `EXCHANGE_TRUSTED_PROXIES`."),
        Variable("EXCHANGE_TRUSTED_PROXIES", "",
                 "Data-sharing gateway: comma-separated addresses of the TLS-terminating proxies whose certificate "
                 "header is believed."),
        Variable("EXCHANGE_TLS_CERT", "",
                 "Data-sharing gateway, calls made: PEM file of this deployment's TLS client certificate."),
        Variable("EXCHANGE_TLS_KEY", "", "Data-sharing gateway, calls made: PEM file of that certificate's key."),
        Variable("EXCHANGE_TLS_CA", "",
                 "Data-sharing gateway, calls made: PEM bundle of the CAs that sign other members' servers "
                 "(empty: the system's trust store)."),
        Variable("EXCHANGE_SECURITY_SERVER_URL", "",
                 "Data-sharing gateway, calls made: the X-Road security server that routes calls to members "
                 "without an address of their own (e.g. `https://ss.tinh.gov.vn`)."),
        Variable("EXCHANGE_CALL_TIMEOUT", "30", "Data-sharing gateway, calls made: seconds to wait for an answer."),
        Variable("EXCHANGE_CALL_RETRIES", "2",
                 "Data-sharing gateway, calls made: retries after a network fault or a provider's server fault "
                 "(only for repeatable calls)."),
        Variable("EXCHANGE_MAX_REQUEST_MB", "50",
                 "Data-sharing gateway: largest request or response body accepted, in megabytes."),
        Variable("EXCHANGE_LOG_BODY_LIMIT_KB", "256",
                 "Message log: bodies up to this size (KB) are kept; larger ones are logged by hash and size only."),
        Variable("EXCHANGE_SEAL_BATCH", "1000", "Message log: most records sealed by one timestamp."),
        Variable("EXCHANGE_SEAL_INTERVAL_SECONDS", "60",
                 "Message log: how often new records are chained and sealed (seconds)."),
        Variable("EXCHANGE_SEAL_ALERT_MINUTES", "60",
                 "Message log: alert when a record has waited this long for its timestamp seal."),
        Variable("NATIONAL_PORTAL_SYNC", "true",
                 "National public-service portal: record every dossier status change for delivery (`false` "
                 "stops recording)."),
        Variable("NATIONAL_PORTAL_URL", "",
                 "National public-service portal: base URL of its synchronisation interface; empty holds "
                 "deliveries until it is set."),
        Variable("NATIONAL_PORTAL_SYSTEM_ID", "",
                 "National public-service portal: the identifier it gave this system (signs every request)."),
        Variable("NATIONAL_PORTAL_SECRET", "",
                 "National public-service portal: the shared secret for the HMAC-SHA256 request signature."),
        Variable("NATIONAL_PORTAL_TIMEOUT", "20", "National public-service portal: seconds to wait for an answer."),
        Variable("NATIONAL_PORTAL_BATCH", "100", "National public-service portal: status changes sent per request."),
        Variable("NATIONAL_PORTAL_MAX_ATTEMPTS", "10",
                 "National public-service portal: failed attempts before a change goes to the dead-letter list."),
        Variable("TSA_URL", "",
                 "RFC 3161 timestamp authority (`http(s)://[user:pass@]host/path`) that timestamps the audit "
                 "chain's seals and signatures; empty: seals are kept without a timestamp."),
        Variable("TSA_TRUSTED_ROOTS", "",
                 "PEM file of the root certificates a timestamp's signing certificate must chain to."),
        Variable("TSA_POLICY", "",
                 "Timestamp policy OID to request and require in tokens; empty: the authority's default."),
        Variable("TSA_TIMEOUT", "10", "Seconds to wait for the timestamp authority."),
        Variable("DOCUMENTS_TRUSTED_ROOTS", "",
                 "PEM files (separated by `:`) of the root certificates a signed PDF's signer must chain to, "
                 "besides the gateway's trusted authorities; otherwise its verdict is `unknown_signer`."),
        Variable("AUDIT_SEAL_INTERVAL", "60",
                 "Seconds between two seals of the audit chain by `tinhso audit seal --every 0`; `tinhso audit "
                 "verify` reports entries left unsealed for 10 times as long (at least 15 minutes)."),
        Variable("BROADCAST_MQTT_URL", "",
                 "Grassroots radio: the MQTT broker the platform talks to devices through "
                 "(`mqtt://user:password@127.0.0.1:1883`); empty: commands are not sent (the embedded demo sets it)."),
        Variable("BROADCAST_OFFLINE_AFTER", "90",
                 "Grassroots radio: seconds without a heartbeat after which a device counts as offline."),
        Variable("BROADCAST_EXTREME_STARTS_AT_ONCE", "false",
                 "Grassroots radio: a CAP alert of severity Extreme starts its emergency broadcast at once, "
                 "without the emergency role's confirmation."),
        Variable("BROADCAST_CAP_SENDER", "tinhso@localhost",
                 "Grassroots radio: the `sender` of the CAP alerts the province publishes."),
        Variable("BROADCAST_VOICE", "vi", "Grassroots radio: espeak-ng voice for text read aloud (`vi`, "
                 "`vi-vn-x-central`, `vi-vn-x-south`)."),
        Variable("BROADCAST_ICECAST_URL", "",
                 "Grassroots radio: the province's Icecast server that relays live broadcasts "
                 "(`http://127.0.0.1:8000`); empty: live broadcast is unavailable (the embedded demo starts one "
                 "when `icecast2` is installed)."),
        Variable("BROADCAST_ICECAST_PUBLIC_URL", "",
                 "Grassroots radio: the address of that Icecast server as the units reach it; empty: "
                 "`BROADCAST_ICECAST_URL`."),
        Variable("BROADCAST_ICECAST_SOURCE_PASSWORD", "",
                 "Grassroots radio: Icecast's `source-password` (the relay sends each live broadcast with it)."),
        Variable("BROADCAST_LIVE_SOURCE_HOSTS", "",
                 "Grassroots radio: hosts of the province's own network (names or addresses, comma-separated) a "
                 "live broadcast may relay from although they resolve to loopback, private or link-local "
                 "addresses; any other stream must resolve to public addresses only."),
        Variable("BROADCAST_ICECAST_ADMIN_PASSWORD", "",
                 "Grassroots radio: Icecast's `admin-password` (the relay stamps the stream's time into its "
                 "metadata with it, for the delay measurement)."),
    ]
}


def env(name: str) -> str:
    """The value of a declared variable, or its default."""
    return os.environ.get(name, VARIABLES[name].default)


def env_bool(name: str) -> bool:
    return env(name).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


def env_int(name: str) -> int:
    return int(env(name))
