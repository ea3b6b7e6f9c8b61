"""Mail Architect: design how an organisation's mail moves, and explain it.

Listed in INSTALLED_APPS so that Django finds the commands in architect/management/.
"""
