"""The placement planner and its HiGHS model. Pure: nothing of the other layers."""
