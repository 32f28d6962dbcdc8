package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"sync"

	"github.com/lib/pq"
	"modernc.org/sqlite"
)

// stmtCacheSize bounds the prepared statements each SQLite connection
// keeps. The services issue a few hundred distinct statements; texts
// that vary with their arguments (IN lists) fall out first.
const stmtCacheSize = 256

// sqliteConnector opens SQLite connections that keep their prepared
// statements: SQLite compiles a statement's text each time it is
// prepared, which was a third of the CPU time of a busy transaction
// such as the demo load, while running a prepared statement again only
// resets it.
type sqliteConnector struct {
	dsn string
	drv *sqlite.Driver
}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{conn: conn.(cacheableConn), lru: list.New(), byText: map[string]*list.Element{}}, nil
}

func (c sqliteConnector) Driver() driver.Driver { return c.drv }

// postgresConnector opens PostgreSQL connections (lib/pq) that keep their
// prepared statements. lib/pq runs a statement with arguments as two
// round trips, Parse then Bind and Execute, and the server parses and
// plans its text each time (about a third of the server's time on a
// ticket creation); a kept statement is one round trip, parsed once, and
// the server may reuse its plan. Statements without arguments keep the
// simple protocol (one round trip already, and it runs scripts).
type postgresConnector struct {
	pq *pq.Connector
}

func newPostgresConnector(dsn string) (postgresConnector, error) {
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return postgresConnector{}, err
	}
	return postgresConnector{pq: c}, nil
}

func (c postgresConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.pq.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{conn: conn.(cacheableConn), lru: list.New(), byText: map[string]*list.Element{},
		argsOnly: true, stale: planChanged}, nil
}

func (c postgresConnector) Driver() driver.Driver { return c.pq.Driver() }

// planChanged reports PostgreSQL's refusal to run a kept statement whose
// result columns changed with the table ("cached plan must not change
// result type"): the statement is prepared again on its next run.
func planChanged(err error) bool {
	var e *pq.Error
	return errors.As(err, &e) && e.Code == "0A000"
}

// cacheableConn is what database/sql uses of the driver's connection.
type cacheableConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is a SQLite connection with a cache of prepared
// statements, least recently used first out. A statement whose rows are
// still open is busy: the same text runs unprepared meanwhile, as it
// would without the cache. database/sql uses a connection from one
// goroutine at a time; the mutex guards the rows' Close, which may come
// from another.
type cachingConn struct {
	conn cacheableConn
	// argsOnly keeps only statements with arguments.
	argsOnly bool
	// stale, when set, reports an error after which a kept statement must
	// be prepared again.
	stale  func(error) bool
	mu     sync.Mutex
	lru    *list.List // of *cachedStmt, most recently used at the front
	byText map[string]*list.Element
}

type cachedStmt struct {
	text    string
	stmt    driver.Stmt
	busy    bool
	evicted bool // closed once its rows are
}

// take returns the prepared statement for query, marked busy, or nil
// when it should run unprepared (a script, a statement without
// arguments when only those with are kept, or the statement is busy).
func (c *cachingConn) take(ctx context.Context, query string, args int) (*cachedStmt, error) {
	if strings.Contains(query, ";") || (c.argsOnly && args == 0) {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byText[query]; ok {
		s := e.Value.(*cachedStmt)
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		s.busy = true
		return s, nil
	}
	st, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &cachedStmt{text: query, stmt: st, busy: true}
	c.byText[query] = c.lru.PushFront(s)
	if c.lru.Len() > stmtCacheSize {
		old := c.lru.Back()
		c.evict(old)
	}
	return s, nil
}

// evict drops a kept statement; it is closed once idle. c.mu is held.
func (c *cachingConn) evict(e *list.Element) {
	c.lru.Remove(e)
	o := e.Value.(*cachedStmt)
	delete(c.byText, o.text)
	o.evicted = true
	if !o.busy {
		_ = o.stmt.Close()
	}
}

// failed drops s when err says it is stale.
func (c *cachingConn) failed(s *cachedStmt, err error) {
	if c.stale == nil || !c.stale(err) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byText[s.text]; ok && e.Value == s {
		c.evict(e)
	}
}

// CheckNamedValue lets the driver convert arguments as it would without
// the cache (lib/pq turns slices into arrays).
func (c *cachingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if checker, ok := c.conn.(driver.NamedValueChecker); ok {
		return checker.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// release marks s idle again (closing it if it was evicted meanwhile).
func (c *cachingConn) release(s *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.busy = false
	if s.evicted {
		_ = s.stmt.Close()
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.take(ctx, query, len(args))
	if err != nil || s == nil {
		if err != nil {
			return nil, err
		}
		return c.conn.ExecContext(ctx, query, args)
	}
	defer c.release(s)
	res, err := s.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	if err != nil {
		c.failed(s, err)
	}
	return res, err
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.take(ctx, query, len(args))
	if err != nil || s == nil {
		if err != nil {
			return nil, err
		}
		return c.conn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.failed(s, err)
		c.release(s)
		return nil, err
	}
	return &cachedRows{Rows: rows, release: func() { c.release(s) }}, nil
}

// cachedRows gives its statement back when closed.
type cachedRows struct {
	driver.Rows
	once    sync.Once
	release func()
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.release)
	return err
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn.PrepareContext(ctx, query)
}

func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.conn.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.conn.Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error { return c.conn.ResetSession(ctx) }

func (c *cachingConn) IsValid() bool { return c.conn.IsValid() }

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	c.mu.Lock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	c.byText = map[string]*list.Element{}
	c.mu.Unlock()
	return c.conn.Close()
}
