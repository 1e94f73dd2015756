import { CircleCheck, CircleMinus, CircleX, Clock, Database, TriangleAlert } from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/e2e/test_theme.py).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
  warn: { bg: '#b45309', fg: '#ffffff', Icon: TriangleAlert },
  bad: { bg: '#b91c1c', fg: '#ffffff', Icon: CircleX },
  neutral: { bg: '#4b5563', fg: '#ffffff', Icon: CircleMinus }
};

function ToneBadge({ tone, label, testId }) {
  const t = TONES[tone] || TONES.neutral;
  const Icon = t.Icon;
  return (
    <span
      data-testid={testId}
      className="inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold"
      style={{ backgroundColor: t.bg, color: t.fg }}
    >
      <Icon className="h-3 w-3" aria-hidden="true" />
      {label}
    </span>
  );
}

function DatabaseRow({ server, db }) {
  const id = server + '-' + db.name;
  const last = db.last_backup;
  return (
    <li
      data-testid={'db-row-' + id}
      aria-label={'Database ' + db.name + ' on ' + server}
      className="flex flex-wrap items-center gap-2 rounded-md border p-2"
    >
      <span className="font-semibold text-foreground" style={{ overflowWrap: 'anywhere' }}>
        {db.name}
      </span>
      {db.size ? (
        <span data-testid={'db-size-' + id} className="text-xs text-muted-foreground tabular-nums">
          {db.size}
        </span>
      ) : null}
      {db.owner ? <span className="text-xs text-muted-foreground">{'owner ' + db.owner}</span> : null}
      <span className="flex flex-wrap items-center gap-2 text-xs" style={{ marginLeft: 'auto' }}>
        {last ? (
          <>
            <span
              data-testid={'db-backup-' + id}
              className="flex items-center gap-1 text-muted-foreground tabular-nums"
            >
              <Clock className="h-3 w-3" aria-hidden="true" />
              {'backup ' + last.when_text + (last.rows_text ? ' · ' + last.rows_text : '')}
            </span>
            <ToneBadge tone={last.verify_tone} label={last.verify_text} testId={'db-verify-' + id} />
          </>
        ) : db.backups === 0 ? (
          <ToneBadge tone="warn" label="no backup yet" testId={'db-verify-' + id} />
        ) : null}
      </span>
    </li>
  );
}

function Server({ server }) {
  const dbs = Array.isArray(server.databases) ? server.databases : [];
  const name = server.name;
  return (
    <li
      data-testid={'db-server-' + name}
      aria-label={'Database server ' + name}
      className="flex flex-col gap-2 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <Database className="h-4 w-4 text-muted-foreground" aria-hidden="true" />
        <span className="font-semibold text-foreground">{name}</span>
        <span className="text-xs text-muted-foreground">
          {server.engine_label + (server.address ? ' · ' + server.address : '')}
          {server.container ? ' · container ' + server.container : ''}
        </span>
        <ToneBadge tone={server.state_tone} label={server.state} testId={'db-server-state-' + name} />
        {server.version ? (
          <span className="text-xs text-muted-foreground">{server.version}</span>
        ) : null}
      </div>
      {server.error ? (
        <p className="text-sm text-foreground" style={{ overflowWrap: 'anywhere' }}>
          {server.error}
        </p>
      ) : null}
      {dbs.length ? (
        <ul className="flex flex-col gap-1" aria-label={'Databases on ' + name}>
          {dbs.map((db) => (
            <DatabaseRow key={db.name} server={name} db={db} />
          ))}
        </ul>
      ) : server.state === 'up' ? (
        <p className="text-sm text-muted-foreground">No databases of its own.</p>
      ) : null}
    </li>
  );
}

export default function DatabasePanel() {
  const p = props || {};
  const servers = Array.isArray(p.servers) ? p.servers : [];
  const failed = p.status === 'error' || p.status === 'denied';
  return (
    <section
      data-testid="database-panel"
      data-jarvis="panel"
      aria-label="Databases"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">Databases</h3>
        <span className="text-sm text-muted-foreground" data-testid="database-summary">
          {(p.total_servers || 0) + ' servers, ' + (p.total_databases || 0) + ' databases'}
          {p.down ? ', ' + p.down + ' down' : ''}
        </span>
      </header>
      {failed && !servers.length ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {p.status === 'denied' ? 'Denied: ' : 'Could not list the databases: '}
          {p.message || 'unknown error'}
        </p>
      ) : null}
      {!failed && !servers.length ? (
        <p className="text-sm text-muted-foreground">No database server is registered.</p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Database servers">
        {servers.map((s) => (
          <Server key={s.name} server={s} />
        ))}
      </ul>
    </section>
  );
}
