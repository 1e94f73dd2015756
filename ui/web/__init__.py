"""The web app: FastAPI with the REST API, accounts and API keys, and the Chainlit chat."""
