import { KeyRound, Server } from 'lucide-react';

export default function SunshineClients() {
  const p = props || {};
  const clients = Array.isArray(p.clients) ? p.clients : [];
  const failed = p.status === 'error' || p.status === 'denied';
  return (
    <section
      data-testid="sunshine-clients"
      data-jarvis="panel"
      aria-label="Moonlight clients"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="flex items-center gap-2 text-base font-semibold">
          <Server className="h-4 w-4" aria-hidden="true" />
          Moonlight clients
        </h3>
        <span className="text-sm text-muted-foreground" data-testid="sunshine-summary">
          {(p.total || 0) + (p.total === 1 ? ' client' : ' clients') + ' paired with Sunshine'}
        </span>
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {p.status === 'denied' ? 'Denied: ' : 'Could not ask Sunshine: '}
          {p.message || 'unknown error'}
        </p>
      ) : null}
      {!failed && !clients.length ? (
        <p className="text-sm text-muted-foreground">
          No client is paired. Start pairing in Moonlight and say “pair my moonlight client with
          PIN” and the 4 digits it shows.
        </p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Clients">
        {clients.map((c) => (
          <li
            key={c.key}
            data-testid={'sunshine-client-' + c.key}
            className="flex flex-wrap items-center gap-2 rounded-md border p-3"
          >
            <KeyRound className="h-4 w-4 text-muted-foreground" aria-hidden="true" />
            <span className="font-semibold text-foreground" style={{ overflowWrap: 'anywhere' }}>
              {c.name}
            </span>
            {c.id ? (
              <code className="text-xs text-muted-foreground" style={{ overflowWrap: 'anywhere' }}>
                {c.id}
              </code>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
