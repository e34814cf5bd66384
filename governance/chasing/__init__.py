"""What is overdue, the reminder → lead → executive ladder, notifications, their delivery, and the
Celery tasks of governance."""
