"""Platform adapters: parse a message, ask the core, render the neutral answer, send it."""
