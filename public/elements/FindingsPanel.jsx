import { Button } from '@/components/ui/button';
import { CircleCheck, CircleMinus, CircleX, ShieldAlert, TriangleAlert } from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/chat).
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

// The approval card of a repair, when it is drawn on this page (else how to answer it).
function approvalCard(id) {
  if (typeof document === 'undefined' || !document.querySelector) return null;
  return document.querySelector('[data-testid="approval-card-' + id + '"]');
}

function showApproval(id) {
  const card = approvalCard(id);
  if (card) card.scrollIntoView({ behavior: 'smooth', block: 'center' });
}

function Approval({ row }) {
  const id = row.approval_id;
  const shown = Boolean(approvalCard(id));
  if (shown) {
    return (
      <Button
        size="sm"
        variant="outline"
        data-testid={'finding-approval-' + row.resource}
        aria-label={'Show the approval for ' + row.resource}
        onClick={() => showApproval(id)}
      >
        <ShieldAlert aria-hidden="true" />
        Show approval
      </Button>
    );
  }
  return (
    <span data-testid={'finding-approval-' + row.resource} className="text-xs text-muted-foreground">
      {'approval ' + id.slice(0, 8) + ' — '}
      <span className="font-mono">{'jarvis approvals show ' + id}</span>
    </span>
  );
}

function Row({ row }) {
  const resource = row.resource;
  return (
    <li
      data-testid={'finding-row-' + resource}
      aria-label={'Finding ' + resource}
      className="flex flex-col gap-2 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <ToneBadge
          tone={row.severity_tone}
          label={row.severity}
          testId={'finding-severity-' + resource}
        />
        <span className="font-semibold text-foreground" style={{ overflowWrap: 'anywhere' }}>
          {resource}
        </span>
        <span className="text-xs text-muted-foreground">{row.check}</span>
      </div>
      <p
        data-testid={'finding-summary-' + resource}
        className="text-sm text-foreground"
        style={{ overflowWrap: 'anywhere' }}
      >
        {row.summary}
      </p>
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <span className="text-muted-foreground tabular-nums">
          {row.closed_text || row.seen_text}
        </span>
        {row.repair_text ? (
          <ToneBadge
            tone={row.repair_tone}
            label={row.repair_text}
            testId={'finding-repair-' + resource}
          />
        ) : null}
        {row.approval_id ? <Approval row={row} /> : null}
      </div>
    </li>
  );
}

export default function FindingsPanel() {
  const p = props || {};
  const rows = Array.isArray(p.findings) ? p.findings : [];
  const counts = p.counts || {};
  const errors = Array.isArray(p.errors) ? p.errors : [];
  const cleared = Array.isArray(p.cleared) ? p.cleared : [];
  const failed = p.status === 'error' || p.status === 'denied';
  const parts = ['critical', 'warning', 'info']
    .filter((s) => counts[s])
    .map((s) => counts[s] + ' ' + s);
  let empty = 'Nothing is wrong.';
  if (p.mode === 'closed') empty = 'Nothing was cleared lately.';
  else if (p.mode === 'open' && !p.last_checked) empty = 'No check has run yet.';
  return (
    <section
      data-testid="findings-panel"
      aria-label={p.title || 'Problems'}
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">{p.title || 'Problems'}</h3>
        <span className="text-sm text-muted-foreground" data-testid="findings-summary">
          {(parts.length ? parts.join(', ') : rows.length + ' open')}
          {p.last_checked_text ? ' · ' + p.last_checked_text : ''}
          {p.run_id ? ' · run ' + String(p.run_id).slice(0, 8) : ''}
        </span>
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {p.status === 'denied' ? 'Denied: ' : 'Could not read the findings: '}
          {p.message || 'unknown error'}
        </p>
      ) : null}
      {!failed && !rows.length ? (
        <p className="text-sm text-muted-foreground" data-testid="findings-empty">
          {empty}
        </p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Findings">
        {rows.map((row) => (
          <Row key={row.id || row.resource} row={row} />
        ))}
      </ul>
      {cleared.length ? (
        <p className="text-sm text-muted-foreground">{'Cleared: ' + cleared.join(', ')}</p>
      ) : null}
      {errors.length ? (
        <p role="status" className="rounded-md border p-2 text-sm text-foreground">
          {'Could not check: ' + errors.join('; ')}
        </p>
      ) : null}
    </section>
  );
}
