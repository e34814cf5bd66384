"""Stand-alone tools handed to people outside Steward: they import nothing of Steward or Django
(``verify_pack.py`` runs with the standard library and ``cryptography`` alone)."""
