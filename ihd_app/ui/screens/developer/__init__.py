"""Developer: for firmware developers pairing the display with a dev board.

Four tabs, all read-only towards the meter, one module each:

- **GATT** (:mod:`.gatt_tab`): the connected meter's services, characteristics (profile name,
  properties, handle), descriptors and CCCD states; Read shows a readable value in hex (Meter
  Info also decoded).
- **Unit inspector** (:mod:`.inspector_tab`): hex in (a segment, a unit or a bare ZCL frame),
  every field out, or the reason code and its sentence; simple fields can be edited and the form
  re-encoded.
- **Events** (:mod:`.events_tab`): the service's ``--events`` records, live, filterable;
  Export… writes JSON lines.
- **Capture** (:mod:`.capture_tab`): starts and stops a btsnoop capture of the display's HCI
  traffic while it runs.

The screen holding them is :class:`.screen.DeveloperScreen`, hidden unless Settings → Developer
tools is on (or ``ihd --developer``).
"""
