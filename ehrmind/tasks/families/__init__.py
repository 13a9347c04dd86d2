"""One module per task family, each defining `FAMILY = TaskFamily(...)`; `ehrmind.tasks.family` lists them."""
