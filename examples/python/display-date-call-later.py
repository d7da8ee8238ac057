# Python twin of examples/src/display-date-call-later.ts: the asyncio
# reference's "Display the current date with call_later()" example (a
# 1-second period, a 5-second run).
import asyncio
import datetime

PERIOD = 1
DURATION = 5

def display_date(end_time, loop):
    print(datetime.datetime.now())
    if (loop.time() + PERIOD) < end_time:
        loop.call_later(PERIOD, display_date, end_time, loop)
    else:
        loop.stop()

loop = asyncio.get_event_loop()

# Schedule the first call to display_date()
end_time = loop.time() + DURATION
loop.call_soon(display_date, end_time, loop)

# Blocking call interrupted by loop.stop()
try:
    loop.run_forever()
finally:
    loop.close()
