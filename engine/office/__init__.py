"""Office work: deployed procedures, cases, tasks, forms, documents, notifications, audit, SLA."""
