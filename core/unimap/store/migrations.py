"""Versioned schema migrations of both store dialects; each runs once, in order, in a transaction.

``MIGRATIONS`` is SQLite's list, ``PG_MIGRATIONS`` PostgreSQL's: the same versions making the same
tables. PostgreSQL keeps unified records as JSONB (``data``, for filters and indexes) next to their
exact JSON text (``data_json``, ``remote_data``: the ``json`` type keeps the vendor's key order), so
both stores export byte-identical records; ``rid`` is the monotonically increasing row id that
listings page by, like SQLite's rowid.

Version 6 indexes what the queries use: ``records_page`` serves listings in row-id order (SQLite's
indexes end in the rowid), and the JSON field indexes are partial, one per model whose field the
filters and nested objects look up (queries name the model as a literal so the planner can use
them); ``seen_sync`` is no longer indexed (nothing looks it up by value).

Version 7 is PostgreSQL's only (SQLite's is empty). It gives the store a *generation*
(``store_generation.n``), a number that grows with every committed transaction that writes one of
the store's tables (:data:`GENERATION_TABLES`), by any process: a statement trigger on each table
notes the first write of a transaction in ``store_generation_due``, and a deferred trigger on that
row bumps the number when the transaction commits, so the bump becomes visible together with the
write and the one-row lock is held only while committing (writers never wait on one another's open
transactions). The API's page cache keys pages by it. It also re-creates the JSON field indexes
without the ``model`` column: PostgreSQL drops a condition the partial index's ``WHERE`` implies
from the index condition, so ``model`` in the middle of the key made every lookup scan all of the
integration's entries.
"""

from __future__ import annotations

#: every table a store copy carries, parents first
TABLES = (
    "integrations",
    "api_keys",
    "records",
    "checkpoints",
    "syncs",
    "tracked",
    "pending_attachments",
    "sync_schedules",
    "webhook_subscriptions",
    "webhook_inbound",
    "integration_field_settings",
)  # webhook_deliveries (the delivery log and queue) stays behind: a copied store starts it afresh
#: the tables whose writes move PostgreSQL's generation (version 7): every table a store copy carries
GENERATION_TABLES = TABLES
_PG_GENERATION = (
    """
    CREATE TABLE store_generation (n BIGINT NOT NULL);
    INSERT INTO store_generation (n) VALUES (0);
    CREATE TABLE store_generation_due (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    CREATE FUNCTION store_generation_note() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('unimap.generation_due', true) IS DISTINCT FROM 'yes' THEN
            PERFORM set_config('unimap.generation_due', 'yes', true);
            INSERT INTO store_generation_due DEFAULT VALUES;
        END IF;
        RETURN NULL;
    END $$;
    CREATE FUNCTION store_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE store_generation SET n = n + 1;
        DELETE FROM store_generation_due WHERE id = NEW.id;
        RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER store_generation_bump AFTER INSERT ON store_generation_due
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION store_generation_bump();
    """
    + "".join(
        f"""
    CREATE TRIGGER {table}_generation BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION store_generation_note();"""
        for table in GENERATION_TABLES
    )
    + """
    DROP INDEX records_application_candidate;
    DROP INDEX records_application_job;
    DROP INDEX records_member_job;
    CREATE INDEX records_application_candidate ON records (integration_id, (data->>'candidate_id'))
        WHERE model = 'application';
    CREATE INDEX records_application_job ON records (integration_id, (data->>'job_id'))
        WHERE model = 'application';
    CREATE INDEX records_member_job ON records (integration_id, (data->>'job_id'))
        WHERE model = 'job_hiring_team_member';
    ANALYZE records;
    """
)

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
    CREATE TABLE integrations (
        id TEXT PRIMARY KEY,
        connector TEXT NOT NULL,
        name TEXT,
        base_url TEXT,
        credentials TEXT NOT NULL DEFAULT '{}',
        settings TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    );
    CREATE TABLE records (
        rowid INTEGER PRIMARY KEY,
        integration_id TEXT NOT NULL,
        model TEXT NOT NULL,
        id TEXT NOT NULL,
        remote_id TEXT,
        parent_remote_id TEXT,
        data TEXT NOT NULL,
        remote_data TEXT,
        hash TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        remote_deleted_at TEXT,
        created_at TEXT NOT NULL,
        seen_sync INTEGER,
        UNIQUE (integration_id, model, id)
    );
    CREATE INDEX records_remote ON records (integration_id, model, remote_id);
    CREATE INDEX records_changed ON records (integration_id, model, changed_at);
    CREATE INDEX records_parent ON records (integration_id, model, parent_remote_id);
    CREATE INDEX records_seen ON records (integration_id, model, seen_sync);
    CREATE INDEX records_candidate ON records (integration_id, model, json_extract(data, '$.candidate_id'));
    CREATE INDEX records_job ON records (integration_id, model, json_extract(data, '$.job_id'));
    CREATE TABLE checkpoints (
        integration_id TEXT NOT NULL,
        model TEXT NOT NULL,
        cursor TEXT,
        run TEXT,
        PRIMARY KEY (integration_id, model)
    );
    CREATE TABLE syncs (
        id INTEGER PRIMARY KEY,
        integration_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        stats TEXT
    );
    CREATE TABLE tracked (
        integration_id TEXT NOT NULL,
        model TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (integration_id, model, remote_id)
    );
    CREATE TABLE pending_attachments (
        id INTEGER PRIMARY KEY,
        integration_id TEXT NOT NULL,
        target TEXT NOT NULL,
        attachment TEXT NOT NULL,
        error TEXT,
        created_at TEXT NOT NULL,
        done_at TEXT
    );
    """,
    ),
    (
        2,
        """
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        name TEXT,
        integrations TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    """,
    ),
    (
        3,
        """
    CREATE TABLE sync_schedules (
        integration_id TEXT PRIMARY KEY,
        delta_every REAL,
        full_every REAL
    );
    CREATE TABLE request_budget (
        key TEXT PRIMARY KEY,
        tokens REAL NOT NULL,
        updated REAL NOT NULL
    );
    """,
    ),
    (
        4,
        """
    CREATE TABLE webhook_subscriptions (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        integration_id TEXT,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY,
        subscription_id TEXT NOT NULL,
        integration_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_status INTEGER,
        last_error TEXT,
        log TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        next_attempt_at TEXT,
        delivered_at TEXT
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
    CREATE TABLE webhook_inbound (
        integration_id TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    ),
    (
        5,
        """
    CREATE TABLE integration_field_settings (
        integration_id TEXT NOT NULL,
        field_id TEXT NOT NULL,
        passthrough_enabled INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (integration_id, field_id)
    );
    """,
    ),
    (
        6,  # after main's 4 (webhooks) and 5 (integration field settings)
        """
    CREATE INDEX records_page ON records (integration_id, model);
    DROP INDEX records_seen;
    DROP INDEX records_candidate;
    DROP INDEX records_job;
    CREATE INDEX records_application_candidate ON records (integration_id, model, json_extract(data, '$.candidate_id'))
        WHERE model = 'application';
    CREATE INDEX records_application_job ON records (integration_id, model, json_extract(data, '$.job_id'))
        WHERE model = 'application';
    CREATE INDEX records_member_job ON records (integration_id, model, json_extract(data, '$.job_id'))
        WHERE model = 'job_hiring_team_member';
    """,
    ),
    (7, "SELECT 1"),  # PostgreSQL's generation and indexes (SQLite's data_version serves it)
]

PG_MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
    CREATE TABLE integrations (
        id TEXT PRIMARY KEY,
        connector TEXT NOT NULL,
        name TEXT,
        base_url TEXT,
        credentials TEXT NOT NULL DEFAULT '{}',
        settings TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    );
    CREATE TABLE records (
        rid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        integration_id TEXT NOT NULL,
        model TEXT NOT NULL,
        id TEXT NOT NULL,
        remote_id TEXT,
        parent_remote_id TEXT,
        data JSONB NOT NULL,
        data_json JSON NOT NULL,
        remote_data JSON,
        hash TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        remote_deleted_at TEXT,
        created_at TEXT NOT NULL,
        seen_sync BIGINT,
        UNIQUE (integration_id, model, id)
    );
    CREATE INDEX records_remote ON records (integration_id, model, remote_id);
    CREATE INDEX records_changed ON records (integration_id, model, changed_at);
    CREATE INDEX records_parent ON records (integration_id, model, parent_remote_id);
    CREATE INDEX records_seen ON records (integration_id, model, seen_sync);
    CREATE INDEX records_candidate ON records (integration_id, model, (data->>'candidate_id'));
    CREATE INDEX records_job ON records (integration_id, model, (data->>'job_id'));
    CREATE TABLE checkpoints (
        integration_id TEXT NOT NULL,
        model TEXT NOT NULL,
        cursor TEXT,
        run TEXT,
        PRIMARY KEY (integration_id, model)
    );
    CREATE TABLE syncs (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        integration_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        stats TEXT
    );
    CREATE INDEX syncs_integration ON syncs (integration_id, id);
    CREATE TABLE tracked (
        integration_id TEXT NOT NULL,
        model TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (integration_id, model, remote_id)
    );
    CREATE TABLE pending_attachments (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        integration_id TEXT NOT NULL,
        target TEXT NOT NULL,
        attachment TEXT NOT NULL,
        error TEXT,
        created_at TEXT NOT NULL,
        done_at TEXT
    );
    """,
    ),
    (
        2,
        """
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        name TEXT,
        integrations TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    """,
    ),
    (
        3,
        """
    CREATE TABLE sync_schedules (
        integration_id TEXT PRIMARY KEY,
        delta_every DOUBLE PRECISION,
        full_every DOUBLE PRECISION
    );
    CREATE TABLE request_budget (
        key TEXT PRIMARY KEY,
        tokens DOUBLE PRECISION NOT NULL,
        updated DOUBLE PRECISION NOT NULL
    );
    """,
    ),
    (
        4,
        """
    CREATE TABLE webhook_subscriptions (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        integration_id TEXT,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE webhook_deliveries (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        subscription_id TEXT NOT NULL,
        integration_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_status INTEGER,
        last_error TEXT,
        log TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        next_attempt_at TEXT,
        delivered_at TEXT
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
    CREATE TABLE webhook_inbound (
        integration_id TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    ),
    (
        5,
        """
    CREATE TABLE integration_field_settings (
        integration_id TEXT NOT NULL,
        field_id TEXT NOT NULL,
        passthrough_enabled INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (integration_id, field_id)
    );
    """,
    ),
    (
        6,  # after main's 4 (webhooks) and 5 (integration field settings)
        """
    CREATE INDEX records_page ON records (integration_id, model, rid);
    DROP INDEX records_seen;
    DROP INDEX records_candidate;
    DROP INDEX records_job;
    CREATE INDEX records_application_candidate ON records (integration_id, model, (data->>'candidate_id'))
        WHERE model = 'application';
    CREATE INDEX records_application_job ON records (integration_id, model, (data->>'job_id'))
        WHERE model = 'application';
    CREATE INDEX records_member_job ON records (integration_id, model, (data->>'job_id'))
        WHERE model = 'job_hiring_team_member';
    """,
    ),
    (7, _PG_GENERATION),
]

LATEST = MIGRATIONS[-1][0]
assert [v for v, _ in PG_MIGRATIONS] == [v for v, _ in MIGRATIONS], "both dialects share the versions"
