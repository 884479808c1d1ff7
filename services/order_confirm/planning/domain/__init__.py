"""Pure planning rules: intervals, targets, forecast, staffing, roster, shifts, adherence. No I/O, no clock."""
