"""Risk reviews, the risk register (findings) and their due dates."""
