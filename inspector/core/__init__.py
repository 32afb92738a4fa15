"""The core: the store, its schema and migrations, the change log, the clock, errors and
messages. The only code that writes SQL; it imports nothing else of the program."""
