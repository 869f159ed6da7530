package postgres

import (
	"context"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/jackc/pgx/v5"
)

// The change feed. Every write that can change an answer a replica keeps in
// memory (a task session's row, the removal of old sessions, a cleared
// store, a logoff, the removal of idle logon sessions) sends a NOTIFY on
// the channel of its schema (feedChannel) inside its own transaction, so
// that the notification is delivered when the write commits and never
// before its rows are visible.
// A replica that called Listen holds one connection of its own LISTENing on
// the channel and reports each notification to its listeners (the body cache
// of the API, the logon sessions of auth.Service) as an emcdp.Change, so that
// they may keep answers although other processes write to the database.
//
// A notification takes a moment to arrive (the time to deliver it to the
// listening connection, typically well under a millisecond on one host):
// for that long a replica may still answer from what it kept. A replica
// whose listening connection is lost hears nothing until it is connected
// again, so Listening turns false at once and the listeners are told to
// forget everything (emcdp.ChangeFeed) both then and once the connection
// listens again.
//
// A renewal of a logon session's last use is not announced: a replica that
// kept an older last use finds the session expired sooner, and then reads
// it again from the database (auth.Service). Users are not announced
// either: no kept answer depends on one (roles are read at every write).

// feedChannel is the SQL expression of the channel of the notifications:
// one per schema (the store's tables are in the current schema), so that
// deployments in several schemas of one database do not hear each other.
// A channel name is an identifier of at most 63 bytes and a schema name may
// be as long, so the name holds a hash of the schema's in hex digits
// (hashtextextended, not md5, which a server built for FIPS refuses: every
// notifying write would fail).
const feedChannel = "'emcdp_changes_' || to_hex(hashtextextended(current_schema(), 0))"

// The first byte of a notification's payload says what it reports.
const (
	noteAll          = "A" // the store was cleared
	noteBefore       = "B" // sessions created before the time that follows were removed
	noteTaskSessions = "T" // these task sessions' rows were overwritten: ids in hex, 32 digits each
	noteLogon        = "L" // the logon session of this key (64 hex digits) was ended
	noteLogonsBefore = "S" // the logon sessions last seen before the time that follows were removed
)

// idsPerNote is the most task-session ids one notification carries, well
// within PostgreSQL's 8,000-byte payload.
const idsPerNote = 200

// notifyStmt sends every payload of $1 on the channel.
const notifyStmt = "SELECT pg_notify(" + feedChannel + ", p) FROM unnest($1::text[]) AS p"

// notes returns the payloads that announce ch.
func notes(ch emcdp.Change) []string {
	var ps []string
	if ch.All {
		ps = append(ps, noteAll)
	}
	if !ch.Before.IsZero() {
		ps = append(ps, noteBefore+strconv.FormatInt(sqlgen.Nanos(ch.Before), 10))
	}
	for ids := ch.TaskSessions; len(ids) > 0; {
		n := min(len(ids), idsPerNote)
		b := append(make([]byte, 0, 1+32*n), noteTaskSessions...)
		for _, id := range ids[:n] {
			b = hex.AppendEncode(b, id[:])
		}
		ps = append(ps, string(b))
		ids = ids[n:]
	}
	return ps
}

// parseNote returns the change a payload reports. A payload it cannot read
// is reported as a change of everything: any role that may connect can
// NOTIFY on the channel, so a payload is untrusted input.
func parseNote(p string) emcdp.Change {
	all := emcdp.Change{All: true}
	if p == "" {
		return all
	}
	body := p[1:]
	switch p[:1] {
	case noteBefore, noteLogonsBefore:
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return all
		}
		if p[:1] == noteBefore {
			return emcdp.Change{Before: fromNanos(n)}
		}
		return emcdp.Change{LogonsBefore: fromNanos(n)}
	case noteTaskSessions:
		raw, err := hex.DecodeString(body)
		if err != nil || len(raw)%16 != 0 || len(raw) == 0 {
			return all
		}
		ch := emcdp.Change{TaskSessions: make([]emcdp.ID, len(raw)/16)}
		for i := range ch.TaskSessions {
			copy(ch.TaskSessions[i][:], raw[16*i:])
		}
		return ch
	case noteLogon:
		var k [32]byte
		if len(body) != hex.EncodedLen(len(k)) {
			return all // checked first: hex.Decode writes past k for a longer body
		}
		if _, err := hex.Decode(k[:], []byte(body)); err != nil {
			return all
		}
		return emcdp.Change{Logons: [][32]byte{k}}
	}
	return all
}

// notify sends the notifications of ch inside tx.
func notify(ctx context.Context, tx pgx.Tx, ch emcdp.Change) error {
	_, err := tx.Exec(ctx, notifyStmt, notes(ch))
	return err
}

// Listening reports whether this process hears every change made to the
// database right now (emcdp.ChangeFeed): Listen was called and its
// connection is LISTENing.
func (db *DB) Listening() bool { return db.listening.Load() }

// Listen starts the change feed: a connection of its own that LISTENs for
// the notifications and reports each to the listeners (OnChange), and
// connects again, after a pause, whenever it is lost. It returns at once;
// Listening tells when the feed is on. Calling it again does nothing. The
// feed stops with Close.
func (db *DB) Listen() {
	if db.closed.Load() || db.feeding.Swap(true) {
		return
	}
	db.wg.Add(1)
	go func() {
		defer db.wg.Done()
		pause := feedMinPause
		for db.bg.Err() == nil {
			if db.listen() {
				pause = feedMinPause
			}
			select {
			case <-db.bg.Done():
			case <-time.After(pause):
			}
			pause = min(2*pause, feedMaxPause)
		}
	}()
}

// The pause before connecting again grows from feedMinPause to feedMaxPause
// while connecting fails.
const (
	feedMinPause = 100 * time.Millisecond
	feedMaxPause = 5 * time.Second
)

// feedPing is how long the feed waits for a notification before it checks
// that its connection is still alive (a connection lost without a word from
// the network would otherwise keep it waiting for ever).
const feedPing = 15 * time.Second

// listen connects, listens and reports notifications until the connection
// fails or the store closes. It reports whether it was listening.
func (db *DB) listen() bool {
	ctx := db.bg
	conn, err := pgx.ConnectConfig(ctx, db.listenCfg)
	if err != nil {
		return false
	}
	defer conn.Close(context.Background())
	var channel string
	if err := conn.QueryRow(ctx, "SELECT "+feedChannel).Scan(&channel); err != nil {
		return false
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return false
	}
	// Whatever changed before LISTEN took effect went unheard: forget it
	// all before anything is kept again.
	db.Changed(emcdp.Change{All: true})
	db.listening.Store(true)
	defer func() {
		db.listening.Store(false)
		db.Changed(emcdp.Change{All: true})
	}()
	for {
		wctx, cancel := context.WithTimeout(ctx, feedPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			db.Changed(parseNote(n.Payload))
		case ctx.Err() != nil:
			return true
		case wctx.Err() != nil && !conn.IsClosed():
			pctx, cancel := context.WithTimeout(ctx, feedPing)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return true
			}
		default:
			return true
		}
	}
}
