"""Parse an iCalendar feed with the `icalendar` package (an independent
parser) and print its events as JSON for the Rust tests: UID, SEQUENCE,
STATUS, SUMMARY, and the start and end in Europe/Paris local time."""
import json, sys
from zoneinfo import ZoneInfo
import icalendar

cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
paris = ZoneInfo("Europe/Paris")
events = []
for ev in cal.walk("VEVENT"):
    start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
    events.append({
        "uid": str(ev["UID"]),
        "sequence": int(ev.get("SEQUENCE", 0)),
        "status": str(ev.get("STATUS", "")),
        "summary": str(ev.get("SUMMARY", "")),
        "start": start.astimezone(paris).strftime("%Y-%m-%d %H:%M"),
        "end": end.astimezone(paris).strftime("%Y-%m-%d %H:%M"),
        "utc_offset": start.astimezone(paris).strftime("%z"),
    })
print(json.dumps({"version": str(cal.get("VERSION")), "events": events}))
