-- A database as Roost's schema 2 wrote it (frozen: never edit): schema 1
-- plus the user a session logged in as. The store
-- tests open it to check that every earlier schema still loads.
CREATE TABLE messages(id INTEGER PRIMARY KEY, topic BLOB NOT NULL, payload BLOB NOT NULL, properties BLOB, qos INTEGER NOT NULL, retain INTEGER NOT NULL, expires_at INTEGER);
CREATE TABLE retained(topic BLOB PRIMARY KEY, message INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE sessions(id INTEGER PRIMARY KEY, client_id BLOB NOT NULL, expiry INTEGER NOT NULL, offline_since INTEGER, username BLOB);
CREATE TABLE subscriptions(session INTEGER NOT NULL, filter BLOB NOT NULL, qos INTEGER NOT NULL, flags INTEGER NOT NULL, identifier INTEGER NOT NULL, PRIMARY KEY(session, filter)) WITHOUT ROWID;
CREATE TABLE entries(session INTEGER NOT NULL, seq INTEGER NOT NULL, message INTEGER, qos INTEGER NOT NULL, retain INTEGER NOT NULL, packet_id INTEGER NOT NULL, state INTEGER NOT NULL, identifiers BLOB, PRIMARY KEY(session, seq)) WITHOUT ROWID;
CREATE TABLE incoming(session INTEGER NOT NULL, packet_id INTEGER NOT NULL, PRIMARY KEY(session, packet_id)) WITHOUT ROWID;
CREATE TABLE wills(session INTEGER PRIMARY KEY, message INTEGER NOT NULL, due_at INTEGER NOT NULL);
INSERT INTO messages VALUES(1, CAST('a/b' AS BLOB), CAST('queued' AS BLOB), NULL, 1, 0, NULL);
INSERT INTO messages VALUES(2, CAST('r/t' AS BLOB), CAST('kept' AS BLOB), NULL, 0, 1, NULL);
INSERT INTO messages VALUES(3, CAST('a/c' AS BLOB), CAST('in flight' AS BLOB), NULL, 1, 0, NULL);
INSERT INTO retained VALUES(CAST('r/t' AS BLOB), 2);
INSERT INTO sessions VALUES(5, CAST('old-client' AS BLOB), 4294967295, 1764000000000, CAST('old-user' AS BLOB));
INSERT INTO subscriptions VALUES(5, CAST('a/#' AS BLOB), 1, 0, 7);
INSERT INTO entries VALUES(5, 1, 3, 1, 0, 42, 1, X'07000000');
INSERT INTO entries VALUES(5, 2, 1, 1, 0, 0, 0, X'07000000');
INSERT INTO incoming VALUES(5, 9);
PRAGMA user_version = 2;
