"""{{ name }}: a GenAI feature on the paved genai-feature path."""

__version__ = "0.1.0"
