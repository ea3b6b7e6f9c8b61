"""Sign up, sign in and sign out; signing in claims the designs made in the session."""
