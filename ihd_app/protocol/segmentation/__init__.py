"""Segmentation and reassembly of units that do not fit one ATT value.

A unit (``cluster id | endpoint | ZCL frame``, or a signed envelope carrying one) can be longer
than the ``ATT MTU - 3`` bytes one notification, indication or write can carry, so the sender cuts
it into segments and the receiver joins them again:

- :mod:`~ihd_app.protocol.segmentation.wire`: the segment format and its limits, cutting one unit
  (:func:`~ihd_app.protocol.segmentation.wire.segment`) and decoding one segment's header;
- :mod:`~ihd_app.protocol.segmentation.segmenter`: the sender, numbering its units with transfer
  ids;
- :mod:`~ihd_app.protocol.segmentation.reassembler`: the receiver, bounded in size and in time.
"""
