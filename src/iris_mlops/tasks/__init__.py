"""One function per job task: settings -> read -> transform -> validate -> write."""
