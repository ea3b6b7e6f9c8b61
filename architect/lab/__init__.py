"""The lab: deploys an exported bundle onto real daemons and moves mail through them."""
