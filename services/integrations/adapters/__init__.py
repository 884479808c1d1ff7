"""Outside systems behind one small Protocol per capability, one module per provider."""
