"""Playing a scenario against a running meter (headless, or from the GUI's scenario panel).

Steps run in order, each at its ``at`` offset of simulated time from the moment the IHD is
listening (``at / speed`` wall-clock seconds), and never before the previous step finished (a
``wait-for`` may hold the script). Each step is logged as ``scenario.step {n, action, ...}``;
the end as ``scenario.done``, or ``scenario.failed {n, action, detail}`` when a step cannot be
done (a ``wait-for`` that timed out, a ``restore`` the meter refused).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ihd_app.protocol.demand_response import FlexibilityEvent
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.zcl import Endpoint
from meter_emulator.attacks.link_demonstrations import DEMONSTRATION_NAMES, RESTORE
from meter_emulator.attacks.supply_attacks import SUPPLY_ATTACK_NAMES
from meter_emulator.behaviour.meter import RestoreRefusedError
from meter_emulator.gatt.pairing_window import DEFAULT_OPEN_S
from meter_emulator.scenarios.message_request import message_request
from meter_emulator.scenarios.model import Scenario, Step
from meter_emulator.scenarios.prepay_steps import PREPAY_ACTIONS, PrepaySteps

if TYPE_CHECKING:
    from meter_emulator.runtime import MeterRuntime

#: How long a ``wait-for`` waits unless it says (wall-clock seconds).
DEFAULT_WAIT_S = 60.0


class ScenarioFailedError(IhdError):
    """A step could not be done; the message says which and why."""


def _lookup(record: Mapping[str, Any], dotted: str) -> object:
    value: object = record
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


class ScenarioPlayer:
    """Plays one scenario on a meter.

    Args:
        runtime: The running meter.
        scenario: A checked scenario.
    """

    def __init__(self, runtime: MeterRuntime, scenario: Scenario) -> None:
        self._runtime = runtime
        self.scenario = scenario
        self._seen: list[dict[str, Any]] = []
        self._mark = 0
        self._changed = asyncio.Event()
        self.refs: dict[str, str] = {}
        self._prepay = PrepaySteps(runtime.operator, runtime.prepayment, runtime.events)

    def _on_event(self, record: dict[str, Any]) -> None:
        self._seen.append(record)
        self._changed.set()

    async def play(self) -> None:
        """Wait for the IHD, then run every step.

        Raises:
            ScenarioFailedError: A step failed (also logged as ``scenario.failed``).
        """
        runtime, scenario = self._runtime, self.scenario
        events = runtime.events
        unsubscribe = events.subscribe(self._on_event)
        try:
            events.emit(
                "scenario.started",
                name=scenario.name,
                title=scenario.title,
                steps=len(scenario.steps),
                speed=runtime.sim.speed,
            )
            await runtime.wait_for_ihd()
            loop = asyncio.get_running_loop()
            started = loop.time()
            for step in scenario.steps:
                delay = started + runtime.sim.wall_seconds(step.at_s) - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)  # the script's timetable, not synchronisation
                events.emit("scenario.step", n=step.n, action=step.action, **self._describe(step))
                try:
                    await self._run(step)
                except (IhdError, ValueError, RestoreRefusedError, TimeoutError) as exc:
                    detail = str(exc) or type(exc).__name__
                    if isinstance(exc, TimeoutError):
                        detail = self._timeout_detail(step)
                    events.emit("scenario.failed", n=step.n, action=step.action, detail=detail)
                    raise ScenarioFailedError(
                        f"{scenario.source}:{step.line}: step {step.n} ({step.action}): {detail}"
                    ) from None
            done: dict[str, object] = {"name": scenario.name, "steps": len(scenario.steps)}
            if runtime.attacks.records:
                done["attacks"] = runtime.attacks.summary()
            events.emit("scenario.done", **done)
        finally:
            unsubscribe()

    @staticmethod
    def _describe(step: Step) -> dict[str, object]:
        fields = step.fields
        keep = ("role", "type", "name", "ref", "text", "volts", "on", "state")
        described: dict[str, object] = {"at_s": step.at_s}
        for key in keep:
            if key in fields:
                described[key] = fields[key]
        if "event" in fields:  # ``event`` is the log record's own name
            described["waits_for"] = fields["event"]
        return described

    def _timeout_detail(self, step: Step) -> str:
        fields = step.fields
        match = fields.get("match")
        wanted = f"'{fields['event']}'" + (f" with {match}" if match else "")
        return f"no {wanted} within {fields.get('timeout_s', DEFAULT_WAIT_S):g} s"

    async def _run(self, step: Step) -> None:
        runtime = self._runtime
        fields = step.fields
        behaviour = runtime.behaviour
        action = step.action
        if action == "send":
            request = message_request(fields, runtime.sim.wall_after)
            record = runtime.operator.send(
                fields["role"],
                request,
                valid_for=timedelta(minutes=fields.get("valid_for_min", 24 * 60)),
                signer=fields.get("signer"),
            )
            if "name" in fields:
                self.refs[fields["name"]] = record.key
        elif action == "supersede":
            key = self.refs[fields["ref"]]
            role, base = runtime.operator.request_of(key)
            record = runtime.operator.send(
                role, message_request(fields, runtime.sim.wall_after, base=base)
            )
            self.refs[fields["ref"]] = record.key
        elif action == "cancel":
            runtime.operator.cancel(self.refs[fields["ref"]])
        elif action == "cancel-all":
            runtime.operator.cancel_all(fields["role"])
        elif action == "attack":
            name = fields["name"]
            demonstrations = runtime.attacks.demonstrations
            if name == "all":
                runtime.attacks.launch_all()
            elif name == RESTORE:
                demonstrations.restore()
            elif name in DEMONSTRATION_NAMES:
                demonstrations.start(name)
            elif name in SUPPLY_ATTACK_NAMES:
                outcome = runtime.supply_attacks.launch(name)
                if not outcome.as_expected:
                    raise ValueError(
                        f"the meter did not refuse '{name}' as expected (reason "
                        f"{outcome.reason}, supply unchanged {outcome.supply_unchanged})"
                    )
            else:
                runtime.attacks.launch(name)
        elif action == "appliance":
            state = fields.get("state")
            on = fields["on"] if "on" in fields else {"on": True, "off": False}.get(str(state))
            behaviour.set_appliance(fields["name"], on)
        elif action == "outage-start":
            behaviour.start_outage()
        elif action == "outage-end":
            behaviour.end_outage()
        elif action == "voltage":
            behaviour.set_voltage(fields["volts"])
        elif action == "safety-alarm":
            behaviour.safety_alarm(fields.get("text", ""))
        elif action == "restore":
            behaviour.restore("scenario")
        elif action == "restore-refused":
            try:
                behaviour.restore("scenario")
            except RestoreRefusedError:
                pass  # logged as supply.restore-refused with the sentence the consumer reads
            else:
                raise ValueError("the supply came back on although the meter should refuse it")
        elif action == "gas-valve-open":
            behaviour.open_gas_valve()
        elif action == "wait-for":
            await self._wait_for(fields)
        elif action == "publish-tou":
            fuel = Endpoint.GAS if fields.get("fuel") == "gas" else Endpoint.ELECTRICITY
            runtime.operator.publish_tou(fields["role"], fields["calendar"], fuel=fuel)
        elif action == "note":
            runtime.events.emit("scenario.note", text=fields["text"])
        elif action == "pairing-window":
            runtime.pairing_window.open(fields.get("seconds", DEFAULT_OPEN_S), by="scenario")
        elif action == "gas-safety-alarm":
            behaviour.gas_safety_alarm(fields.get("text", ""))
        elif action in ("flexibility", "flexible-load"):
            self._flexibility(step)
        elif action in PREPAY_ACTIONS:
            self._prepay.run(action, fields)
        else:  # pragma: no cover - load_scenario accepts only the actions above
            raise ScenarioFailedError(f"unknown action '{action}'")

    def _flexibility(self, step: Step) -> None:
        runtime, fields = self._runtime, step.fields
        if step.action == "flexible-load":
            runtime.premises.flexible.plug_in(fields["name"], fields["on"])
            runtime.events.emit("flexible-load", name=fields["name"], on=fields["on"])
            return
        start = fields.get("start")
        event = FlexibilityEvent(
            event_id=fields.get("event_id") or secrets.randbits(24) + 1,
            start=start.resolve(runtime.sim.wall_after) if start else runtime.wall_now(),
            minutes=fields["duration_min"],
            reduction_percent=fields.get("reduce_percent", 0),
            device_class=fields.get("devices", 0),
            title=fields.get("title", "Flexibility event"),
            reward=fields.get("reward", ""),
        )
        record = runtime.operator.schedule_flexibility(fields["role"], event)
        if "name" in fields:
            self.refs[fields["name"]] = record.key

    def _matches(self, record: Mapping[str, Any], event: str, match: Mapping[str, Any]) -> bool:
        if record.get("event") != event:
            return False
        for key, value in match.items():
            wanted = value
            if isinstance(value, str) and value.startswith("@"):
                wanted = self.refs.get(value[1:], value)
            if _lookup(record, key) != wanted:
                return False
        return True

    async def _wait_for(self, fields: Mapping[str, Any]) -> None:
        """Wait for ``count`` events matching the step, counted from just after the events the
        previous ``wait-for`` matched (or from the start): what the steps since then caused,
        even if it happened before this step began."""
        event, match = fields["event"], fields.get("match", {})
        count = fields.get("count", 1)
        async with asyncio.timeout(fields.get("timeout_s", DEFAULT_WAIT_S)):
            while True:
                found = [
                    index
                    for index in range(self._mark, len(self._seen))
                    if self._matches(self._seen[index], event, match)
                ]
                if len(found) >= count:
                    self._mark = found[count - 1] + 1
                    return
                self._changed.clear()
                await self._changed.wait()


__all__ = ["DEFAULT_WAIT_S", "ScenarioFailedError", "ScenarioPlayer"]
