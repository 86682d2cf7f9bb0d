"""The years a date may have, in the file and on the command line.

Outside them a date is a typing mistake, and near year 9999 the planner's date arithmetic
would overflow. Kept apart so that the command line can check them without the loader.
"""

FIRST_YEAR, LAST_YEAR = 1900, 2200
