"""codefit: the Keras of agentic coding."""
