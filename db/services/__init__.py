"""Services own each transaction: permission check, validation, version check and audit,
all inside one write transaction. They take the acting user (an ``Actor``)."""
