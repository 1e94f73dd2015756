"""The policy engine, the gate, approvals, safe command execution and redaction."""
