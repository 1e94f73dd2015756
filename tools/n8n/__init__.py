"""n8n: workflows and their executions, activation, and production webhooks."""
