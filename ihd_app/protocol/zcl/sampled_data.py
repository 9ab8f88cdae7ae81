"""Metering cluster (0x0702) GetSampledData (client 0x08) and its response (server 0x07), ZSE 1.4.

A meter that was told to sample (StartSampling, not decoded here) keeps a numbered set of u24
samples taken every SampleRequestInterval seconds; GetSampledData asks for some of them and the
response carries them, oldest first. GB gas meters answer it for their consumption samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.clusters import METERING, JsonValue, enum_label
from ihd_app.protocol.zcl.frame import Direction, FrameType
from ihd_app.protocol.zcl.primitives import Reader, Writer


class SampleType(IntEnum):
    """SampleType: which quantity the samples are of."""

    CONSUMPTION_DELIVERED = 0x00
    CONSUMPTION_RECEIVED = 0x01
    REACTIVE_CONSUMPTION_DELIVERED = 0x02
    REACTIVE_CONSUMPTION_RECEIVED = 0x03
    INSTANTANEOUS_DEMAND = 0x04


@dataclass(frozen=True, slots=True, kw_only=True)
class GetSampledData:
    """Metering 0x08, client to server: ask for samples of one sampling session.

    Attributes:
        sample_id: SampleID (u16) the meter gave the session.
        earliest_sample_time: UTCTime; the first sample returned is at or after it.
        sample_type: enum8, see :class:`SampleType`.
        number_of_samples: u16, how many samples are wanted.
    """

    CLUSTER_ID: ClassVar[int | None] = METERING
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.CLIENT_TO_SERVER
    COMMAND_ID: ClassVar[int] = 0x08

    sample_id: int
    earliest_sample_time: int
    sample_type: int = SampleType.CONSUMPTION_DELIVERED
    number_of_samples: int

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("GetSampledData")
        writer.u16(self.sample_id, "sample id")
        writer.u32(self.earliest_sample_time, "earliest sample time")
        writer.u8(self.sample_type, "sample type")
        writer.u16(self.number_of_samples, "number of samples")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> GetSampledData:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless exactly nine bytes.
        """
        reader = Reader(data, "GetSampledData")
        result = cls(
            sample_id=reader.u16("sample id"),
            earliest_sample_time=reader.u32("earliest sample time"),
            sample_type=reader.u8("sample type"),
            number_of_samples=reader.u16("number of samples"),
        )
        reader.expect_end()
        return result

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "sample_id": self.sample_id,
            "earliest_sample_time": self.earliest_sample_time,
            "sample_type": enum_label(SampleType, self.sample_type),
            "number_of_samples": self.number_of_samples,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class GetSampledDataResponse:
    """Metering 0x07, server to client: samples of one sampling session.

    NumberOfSamples is not a field: it is ``len(samples)`` on encoding, and decoding refuses a
    frame whose count disagrees with the samples it carries.

    Attributes:
        sample_id: SampleID (u16).
        sample_start_time: UTCTime of the first sample returned.
        sample_type: enum8, see :class:`SampleType`.
        sample_request_interval: u16 seconds between samples.
        samples: u24 each, oldest first.
    """

    CLUSTER_ID: ClassVar[int | None] = METERING
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x07

    sample_id: int
    sample_start_time: int
    sample_type: int = SampleType.CONSUMPTION_DELIVERED
    sample_request_interval: int
    samples: tuple[int, ...]

    @property
    def number_of_samples(self) -> int:
        """NumberOfSamples as it goes on the wire."""
        return len(self.samples)

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range or there are more than 65,535 samples.
        """
        writer = Writer("GetSampledDataResponse")
        writer.u16(self.sample_id, "sample id")
        writer.u32(self.sample_start_time, "sample start time")
        writer.u8(self.sample_type, "sample type")
        writer.u16(self.sample_request_interval, "sample request interval")
        writer.u16(len(self.samples), "number of samples")
        for index, sample in enumerate(self.samples):
            writer.u24(sample, f"sample {index}")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> GetSampledDataResponse:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, or the samples present do not match
                NumberOfSamples.
        """
        reader = Reader(data, "GetSampledDataResponse")
        sample_id = reader.u16("sample id")
        start = reader.u32("sample start time")
        sample_type = reader.u8("sample type")
        interval = reader.u16("sample request interval")
        count = reader.u16("number of samples")
        if reader.remaining != 3 * count:
            raise DecodeError(
                Reason.MALFORMED,
                f"GetSampledDataResponse: NumberOfSamples is {count}, which needs "
                f"{3 * count} bytes of samples, but {reader.remaining} follow",
            )
        samples = tuple(reader.u24(f"sample {index}") for index in range(count))
        return cls(
            sample_id=sample_id,
            sample_start_time=start,
            sample_type=sample_type,
            sample_request_interval=interval,
            samples=samples,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "sample_id": self.sample_id,
            "sample_start_time": self.sample_start_time,
            "sample_type": enum_label(SampleType, self.sample_type),
            "sample_request_interval": self.sample_request_interval,
            "number_of_samples": self.number_of_samples,
            "samples": list(self.samples),
        }
