package tracing

import (
	"context"
	"database/sql"
	"fmt"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Driver wraps an ent driver so that each statement is a span (named by
// its first word, with the SQL text, never the arguments).
func Driver(tracer trace.Tracer) func(dialect.Driver) dialect.Driver {
	return func(d dialect.Driver) dialect.Driver { return &driver{Driver: d, tracer: tracer} }
}

type driver struct {
	dialect.Driver
	tracer trace.Tracer
}

func statement(ctx context.Context, tracer trace.Tracer, system, query string, run func(context.Context) error) error {
	ctx, span := tracer.Start(ctx, "sql "+verb(query), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", system), attribute.String("db.query.text", query)))
	defer span.End()
	err := run(ctx)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}

func verb(query string) string {
	for i := 0; i < len(query); i++ {
		if query[i] == ' ' || query[i] == '\n' {
			return query[:i]
		}
	}
	return query
}

func (d *driver) Query(ctx context.Context, query string, args, v any) error {
	return statement(ctx, d.tracer, d.Dialect(), query, func(ctx context.Context) error { return d.Driver.Query(ctx, query, args, v) })
}

func (d *driver) Exec(ctx context.Context, query string, args, v any) error {
	return statement(ctx, d.tracer, d.Dialect(), query, func(ctx context.Context) error { return d.Driver.Exec(ctx, query, args, v) })
}

// QueryContext and ExecContext keep the wrapped driver's database/sql
// methods available (ent's generated Client.QueryContext/ExecContext).
func (d *driver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q, ok := d.Driver.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	})
	if !ok {
		return nil, fmt.Errorf("driver %T has no QueryContext", d.Driver)
	}
	var rows *sql.Rows
	err := statement(ctx, d.tracer, d.Dialect(), query, func(ctx context.Context) (err error) {
		rows, err = q.QueryContext(ctx, query, args...)
		return err
	})
	return rows, err
}

func (d *driver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	e, ok := d.Driver.(interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	})
	if !ok {
		return nil, fmt.Errorf("driver %T has no ExecContext", d.Driver)
	}
	var res sql.Result
	err := statement(ctx, d.tracer, d.Dialect(), query, func(ctx context.Context) (err error) {
		res, err = e.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

func (d *driver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &txn{Tx: tx, tracer: d.tracer, system: d.Dialect()}, nil
}

func (d *driver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &txn{Tx: tx, tracer: d.tracer, system: d.Dialect()}, nil
}

// txn traces the statements of one transaction.
type txn struct {
	dialect.Tx
	tracer trace.Tracer
	system string
}

func (t *txn) Query(ctx context.Context, query string, args, v any) error {
	return statement(ctx, t.tracer, t.system, query, func(ctx context.Context) error { return t.Tx.Query(ctx, query, args, v) })
}

func (t *txn) Exec(ctx context.Context, query string, args, v any) error {
	return statement(ctx, t.tracer, t.system, query, func(ctx context.Context) error { return t.Tx.Exec(ctx, query, args, v) })
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q, ok := t.Tx.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	})
	if !ok {
		return nil, fmt.Errorf("transaction %T has no QueryContext", t.Tx)
	}
	var rows *sql.Rows
	err := statement(ctx, t.tracer, t.system, query, func(ctx context.Context) (err error) {
		rows, err = q.QueryContext(ctx, query, args...)
		return err
	})
	return rows, err
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	e, ok := t.Tx.(interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	})
	if !ok {
		return nil, fmt.Errorf("transaction %T has no ExecContext", t.Tx)
	}
	var res sql.Result
	err := statement(ctx, t.tracer, t.system, query, func(ctx context.Context) (err error) {
		res, err = e.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}
