"""The operator console (compose, sign, send as DNO, GDN or supplier) and its status table."""
