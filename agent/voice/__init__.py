"""Speech to text on this server: audio in, a transcript the agent handles like typed text."""
