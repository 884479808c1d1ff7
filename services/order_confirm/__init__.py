"""order_confirm: customers, their one owner, orders, confirmation tasks, attempts, notes, audit, reports."""
