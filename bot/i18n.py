"""Texts in Norwegian Bokmål and English, and numbers as each language writes them."""

from __future__ import annotations

from typing import Any

from capacity import errors
from capacity.models import Measure

LANGUAGES = ("nb", "en")

MEASURES = {
    Measure.ORIGINAL_REQUEST: ("Opprinnelig anmodning", "Original request"),
    Measure.REQUEST: ("Revidert anmodning", "Revised request"),
    Measure.DECISION: ("Vedtak", "Decision"),
    Measure.SETTLED: ("Bosatt", "Settled"),
    Measure.MINORS_REQUEST: ("Anmodning, enslige mindreårige", "Request, unaccompanied minors"),
    Measure.MINORS_DECISION: ("Vedtak, enslige mindreårige", "Decision, unaccompanied minors"),
    Measure.FAMILY_REUNIFICATION: ("Familiegjenforente", "Family reunification"),
    Measure.SPARE: ("Rapportert ledig kapasitet", "Reported spare capacity"),
}

TEXTS: dict[str, tuple[str, str]] = {
    "remaining": ("Ledige plasser", "Spare places"),
    "remaining_now": (
        "*{name}* ({number}), {year}: *{remaining}* ledige plasser nå",
        "*{name}* ({number}), {year}: *{remaining}* spare places now",
    ),
    "no_spare_reported": (
        "*{name}* ({number}), {year}: ingen ledig kapasitet rapportert",
        "*{name}* ({number}), {year}: no spare capacity reported",
    ),
    "reported_line": (
        "Rapportert ledig: *{spare}* ({source}; registrert av {by} {date})",
        "Reported spare: *{spare}* ({source}; recorded by {by} {date})",
    ),
    "reserved_line": ("Reservert for grupper: *{reserved}*", "Reserved for batches: *{reserved}*"),
    "imdi_heading": ("IMDis tall for {year}", "IMDi's figures for {year}"),
    "unknown": ("ukjent", "unknown"),
    "unknown_note": (
        "«ukjent»: IMDi publiserer ikke tall fra 0 til 4, eller kommunen ble ikke anmodet.",
        "“unknown”: IMDi does not publish counts from 0 to 4, or the municipality was not asked.",
    ),
    "derived": (
        "Utledet (ikke ledig kapasitet): vedtak − revidert anmodning = {dr}; vedtak − bosatt = {ds}",
        "Derived (not spare capacity): decision − revised request = {dr}; decision − settled = {ds}",
    ),
    "source": ("Kilde: {source}", "Source: {source}"),
    "no_figures": (
        "*{name}* ({number}) har ingen tall for {year}. År med tall: {years}.",
        "*{name}* ({number}) has no figures for {year}. Years with figures: {years}.",
    ),
    "no_years": ("ingen", "none"),
    "overview_title": ("{title} {year}", "{title} {year}"),
    "overview_total": (
        "*Totalt*: {remaining} ledige plasser av {spare} rapportert, {reserved} reservert",
        "*Total*: {remaining} spare places of {spare} reported, {reserved} reserved",
    ),
    "national_totals": (
        "Hele landet {year}: anmodet opprinnelig {original}, revidert {request}, vedtatt {decision}, "
        "bosatt {settled}",
        "Whole country {year}: original request {original}, revised {request}, decided {decision}, "
        "settled {settled}",
    ),
    "unknown_counts": (
        "Summene utelater kommuner der IMDi ikke publiserte tallet (vedtak: {decision}, bosatt: {settled}).",
        "Sums leave out municipalities where IMDi did not publish the figure (decision: {decision}, settled: {settled}).",
    ),
    "page": (
        "Side {page} av {pages}: {first}–{last} av {count} kommuner med rapportert ledig kapasitet",
        "Page {page} of {pages}: {first}–{last} of {count} municipalities with reported spare capacity",
    ),
    "no_reports": (
        "Ingen kommuner har rapportert ledig kapasitet for {year}.",
        "No municipality has reported spare capacity for {year}.",
    ),
    "next": ("Neste side", "Next page"),
    "previous": ("Forrige side", "Previous page"),
    "export_hint": (
        "Alle kommuner: `capacity show norge --all` eller `capacity export`.",
        "Every municipality: `capacity show norge --all` or `capacity export`.",
    ),
    "col_municipality": ("Kommune", "Municipality"),
    "col_remaining": ("Ledig", "Spare"),
    "col_reported": ("Rapp.", "Rep."),
    "col_reserved": ("Res.", "Res."),
    "not_found": (
        "Fant ingen kommune som heter «{query}».",
        "No municipality is called “{query}”.",
    ),
    "did_you_mean": ("Mente du:", "Did you mean:"),
    "try_number": (
        "Prøv kommunenummeret (f.eks. 5001) eller `/capacity hjelp`.",
        "Try the municipality number (e.g. 5001) or `/capacity help`.",
    ),
    "ambiguous": (
        "«{query}» passer på flere kommuner. Velg én:",
        "“{query}” matches several municipalities. Pick one:",
    ),
    "too_long": (
        "Det er lengre enn noe kommunenavn. Skriv et navn eller et firesifret nummer.",
        "That is longer than any municipality name. Give a name or a 4-digit number.",
    ),
    "report_done": (
        "Ledig kapasitet for *{name}* ({number}) {year}: {before} → *{after}* (ledig nå: {remaining}). "
        "Endret av <@{user}>.",
        "Spare capacity for *{name}* ({number}) {year}: {before} → *{after}* (spare now: {remaining}). "
        "Changed by <@{user}>.",
    ),
    "report_usage": (
        "Skriv: `/capacity rapporter Trondheim 120 [begrunnelse]`",
        "Usage: `/capacity report Trondheim 120 [reason]`",
    ),
    "none": ("ingen", "none"),
    "permission": (
        "Du har ikke lov til å {action}. {needs} Be en administrator om tilgang. "
        "Ingenting ble endret.",
        "You may not {action}. {needs} Ask an admin for access. Nothing was changed.",
    ),
    "needs_admin": ("Det krever rollen admin.", "It needs the admin role."),
    "needs_editor": (
        "Det krever rollen admin, eller editor for {name} (`/capacity grant @deg editor {name}`).",
        "It needs the admin role, or the editor role for {name} "
        "(`/capacity grant @you editor {name}`).",
    ),
    "action_edit": ("endre tallene", "change the figures"),
    "action_grant": ("gi eller fjerne roller", "grant or revoke roles"),
    "action_batch": ("registrere eller endre grupper", "register or change batches"),
    "invalid": (
        "Kunne ikke gjøre det: {message}. Ingenting ble endret.",
        "Could not do that: {message}. Nothing was changed.",
    ),
    "grant_usage": (
        "Skriv: `/capacity grant @bruker admin` eller `/capacity grant @bruker editor Trondheim`",
        "Usage: `/capacity grant @user admin` or `/capacity grant @user editor Trondheim`",
    ),
    "granted": (
        "<@{user}> har nå rollen {role}{where}.",
        "<@{user}> now has the {role} role{where}.",
    ),
    "granted_already": (
        "<@{user}> hadde allerede rollen {role}{where}.",
        "<@{user}> already had the {role} role{where}.",
    ),
    "revoked": (
        "<@{user}> har ikke lenger rollen {role}{where}.",
        "<@{user}> no longer has the {role} role{where}.",
    ),
    "revoked_none": (
        "<@{user}> hadde ikke rollen {role}{where}.",
        "<@{user}> did not have the {role} role{where}.",
    ),
    "for_place": (" for {name}", " for {name}"),
    "busy": (
        "Databasen er opptatt akkurat nå (en import eller en annen endring pågår). "
        "Prøv igjen om et øyeblikk; ingenting ble endret.",
        "The database is busy right now (an import or another change is under way). "
        "Try again in a moment; nothing was changed.",
    ),
    "error": (
        "Noe gikk galt hos capacity-bot; ingenting ble endret. Prøv igjen, eller meld fra til administratoren.",
        "Something went wrong in capacity-bot; nothing was changed. Try again, or tell the administrator.",
    ),
    "bad_year": (
        "Året må være mellom 2000 og 2100.",
        "The year must be between 2000 and 2100.",
    ),
    "help": (
        "*/capacity* viser ledig bosettingskapasitet per kommune.\n"
        "• `/capacity Trondheim` – ledige plasser nå, med tallene bak og kilden (også `5001`, `Tromso`)\n"
        "• `/capacity Trondheim 2020` – et bestemt år\n"
        "• `/capacity` eller `/capacity storbynettverket` – byene i KS storbynettverk, med sum\n"
        "• `/capacity norge` (`alle`) – hele landet, kommunene med mest ledig kapasitet\n"
        "• `/capacity rapporter Trondheim 120 [begrunnelse]` – registrer rapportert ledig kapasitet (krever rolle)\n"
        "• `/capacity grant @bruker editor Trondheim` – gi en rolle (admin)\n"
        "• Legg til `del` for å vise svaret for alle i kanalen, f.eks. `/capacity Trondheim del`\n"
        "• `/capacity hjelp` – denne hjelpen",
        "*/capacity* shows spare refugee-settlement capacity per municipality.\n"
        "• `/capacity Trondheim` – spare places now, with the figures behind them and their source (also `5001`, `Tromso`)\n"
        "• `/capacity Trondheim 2020` – a given year\n"
        "• `/capacity` or `/capacity storbynettverket` – the KS city network's cities, with the total\n"
        "• `/capacity norge` (`all`) – the whole country, municipalities with the most spare capacity\n"
        "• `/capacity report Trondheim 120 [reason]` – record reported spare capacity (needs a role)\n"
        "• `/capacity grant @user editor Trondheim` – grant a role (admin)\n"
        "• Add `share` to show the answer to everyone in the channel, e.g. `/capacity Trondheim share`\n"
        "• `/capacity help` – this help",
    ),
    # -- alerts and relocation batches ------------------------------------------------
    "alert_batch_exceeds": (
        ":warning: Gruppen *{batch}* ({year}) har *{persons}* personer, men {scope} har bare *{remaining}* ledige plasser igjen.",
        ":warning: Batch *{batch}* ({year}) has *{persons}* persons, but {scope} has only *{remaining}* spare places left.",
    ),
    "alert_household": (
        ":warning: En husholdning på *{persons}* i gruppen *{batch}* ({year}) får ikke plass samlet noe sted i {scope}: største ledige plass er *{remaining}*.",
        ":warning: A household of *{persons}* in batch *{batch}* ({year}) fits nowhere whole in {scope}: the largest room left is *{remaining}*.",
    ),
    "alert_households_pack": (
        ":warning: Husholdningene i gruppen *{batch}* ({year}) ({persons} personer) får ikke "
        "plass samlet i {scope}: plassene som er igjen ({remaining} i alt) er for små til å "
        "holde hver husholdning samlet.",
        ":warning: The households of batch *{batch}* ({year}) ({persons} persons) cannot all "
        "be placed whole in {scope}: the room left ({remaining} in all) is split too small to "
        "keep every household together.",
    ),
    "alert_refused": (
        ":no_entry: Tildeling avvist: *{persons}* personer fra *{batch}* ({year}) til {scope}, som bare har *{remaining}* ledige plasser.",
        ":no_entry: Assignment refused: *{persons}* persons of *{batch}* ({year}) to {scope}, which has only *{remaining}* spare places.",
    ),
    "alert_low": (
        ":small_red_triangle_down: {scope} har bare *{remaining}* ledige plasser igjen for {year} (terskel {threshold}).",
        ":small_red_triangle_down: {scope} has only *{remaining}* spare places left for {year} (threshold {threshold}).",
    ),
    "alert_rooms": ("Ledig plass: {rooms}", "Room left: {rooms}"),
    "alert_no_rooms": ("Ingen ledig plass igjen i {scope}.", "No room left in {scope}."),
    "alert_by": ("Utløst av {who}.", "Caused by {who}."),
    "open_batch": ("Åpne gruppen", "Open batch"),
    "channel_alerted": (
        "Koordineringskanalen er varslet.",
        "The coordination channel has been alerted.",
    ),
    "alert_queued": (
        "Et varsel venter på å bli sendt: ingen koordineringskanal er satt opp "
        "(CAPACITY_ALERT_CHANNEL).",
        "An alert is waiting to be sent: no coordination channel is set up "
        "(CAPACITY_ALERT_CHANNEL).",
    ),
    "batch_created": (
        "Gruppen *{batch}* ({year}) er registrert: {persons} personer{households}, omfang {scope}. Ledig i omfanget: {room}.",
        "Batch *{batch}* ({year}) registered: {persons} persons{households}, scope {scope}. Room in scope: {room}.",
    ),
    "households": (" i husholdninger på {sizes}", " in households of {sizes}"),
    "batch_line": (
        "*{batch}* ({year}): {persons} personer, {allocated} tildelt, {status}, omfang {scope}",
        "*{batch}* ({year}): {persons} persons, {allocated} assigned, {status}, scope {scope}",
    ),
    "batch_allocation": (
        "• {place}: {persons}{households}{released}",
        "• {place}: {persons}{households}{released}",
    ),
    "released": (" (frigitt)", " (released)"),
    "no_batches": ("Ingen grupper registrert.", "No batches registered."),
    "preview": (
        "Tildele *{persons}* personer fra *{batch}* til *{place}*? Ledig der etterpå: {after}.",
        "Assign *{persons}* persons of *{batch}* to *{place}*? Room left there afterwards: {after}.",
    ),
    "confirm": ("Bekreft", "Confirm"),
    "cancel_button": ("Avbryt", "Cancel"),
    "undo": ("Angre", "Undo"),
    "assigned": (
        "Tildelt: *{persons}* personer fra *{batch}* til *{place}* av <@{user}>. Ledig der nå: {remaining}.",
        "Assigned: *{persons}* persons of *{batch}* to *{place}* by <@{user}>. Room left there: {remaining}.",
    ),
    "assigned_already": (
        "Allerede tildelt: *{persons}* personer fra *{batch}* til *{place}*. Ledig der nå: {remaining}.",
        "Already assigned: *{persons}* persons of *{batch}* to *{place}*. Room left there: {remaining}.",
    ),
    "refused": (
        "Avvist: *{persons}* personer får ikke plass i *{place}*, som har *{remaining}* ledige plasser. Ingenting ble reservert.",
        "Refused: *{persons}* persons do not fit in *{place}*, which has *{remaining}* spare places. Nothing was reserved.",
    ),
    "undone": (
        "Angret: tildelingen til *{place}* er frigitt av <@{user}>. *{batch}* har {unallocated} personer uten plass.",
        "Undone: the assignment to *{place}* was released by <@{user}>. *{batch}* has {unallocated} persons without a place.",
    ),
    "dismissed": ("Avbrutt; ingenting ble reservert.", "Cancelled; nothing was reserved."),
    "status_changed": ("Gruppen *{batch}* er nå {status}.", "Batch *{batch}* is now {status}."),
    "relocation_usage": (
        "*/relocation* registrerer og fordeler grupper:\n"
        '• `/relocation ny "Moria 2020" 50 familier 5,4,6,… år 2020 omfang storbynettverket`\n'
        '• `/relocation tildel "Moria 2020" Trondheim 20 [familier 5,4]`\n'
        '• `/relocation liste`, `vis "Moria 2020"`, `avlys`, `ankommet`, `bosatt`\n'
        "• `/relocation` uten tekst åpner et skjema",
        "*/relocation* registers and distributes batches:\n"
        '• `/relocation new "Moria 2020" 50 families 5,4,6,… year 2020 scope storbynettverket`\n'
        '• `/relocation assign "Moria 2020" Trondheim 20 [families 5,4]`\n'
        '• `/relocation list`, `show "Moria 2020"`, `cancel`, `arrived`, `settled`\n'
        "• `/relocation` with no text opens a form",
    ),
    "modal_title": ("Ny gruppe", "New batch"),
    "modal_submit": ("Registrer", "Register"),
    "field_name": ("Navn", "Name"),
    "field_persons": ("Personer", "Persons"),
    "field_families": (
        "Husholdninger (størrelser, kommaseparert)",
        "Households (sizes, comma-separated)",
    ),
    "field_year": ("År", "Year"),
    "field_scope": (
        "Omfang (storbynettverket, norge eller en kommune)",
        "Scope (storbynettverket, norge or a municipality)",
    ),
    "bad_households": (
        "Skriv husholdningsstørrelser som hele tall med komma, f.eks. 5,4,6",
        "Give household sizes as whole numbers with commas, e.g. 5,4,6",
    ),
    "status_planned": ("planlagt", "planned"),
    "status_allocated": ("fordelt", "allocated"),
    "status_arrived": ("ankommet", "arrived"),
    "status_settled": ("bosatt", "settled"),
    "status_cancelled": ("avlyst", "cancelled"),
}


class Texts:
    """Texts and number formatting for one language."""

    def __init__(self, language: str = "nb", *, alert_channel: bool = True) -> None:
        self.language = language if language in LANGUAGES else "nb"
        self._index = LANGUAGES.index(self.language)
        self.alert_channel = alert_channel  # whether alerts go anywhere from this bot

    def __call__(self, key: str, **values: Any) -> str:
        if key == "channel_alerted" and not self.alert_channel:
            key = "alert_queued"
        return TEXTS[key][self._index].format(**values)

    def measure(self, measure: Measure) -> str:
        return MEASURES[measure][self._index]

    def number(self, value: int | None) -> str:
        """4 838 in Bokmål (non-breaking space), 4,838 in English; unknown as a word."""
        if value is None:
            return self("unknown")
        text = f"{value:,}"
        return text.replace(",", "\u00a0") if self.language == "nb" else text

    def signed(self, value: int | None) -> str:
        if value is None:
            return self("unknown")
        return ("+" if value > 0 else "") + self.number(value).replace("-", "−")

    def error(self, error: errors.CapacityError) -> str:
        """A refusal from the core, in this language."""
        facts = error.facts
        if isinstance(error, errors.PermissionDenied):
            action = {
                "edit": "action_edit",
                "grant roles": "action_grant",
                "revoke roles": "action_grant",
            }.get(facts.get("action", ""), "action_batch")
            if facts.get("needs") == "editor" and facts.get("municipality") is not None:
                needs = self("needs_editor", name=facts["municipality"].name_no)
            else:
                needs = self("needs_admin")
            return self("permission", action=self(action), needs=needs)
        if self.language == "en":
            return self("invalid", message=str(error).rstrip("."))
        return self("invalid", message=_norwegian(error))


def _norwegian(error: errors.CapacityError) -> str:
    """Bokmål for the core's refusals, by kind and field; English is the fallback."""
    facts = error.facts
    if isinstance(error, errors.BatchNotFound):
        return f"ingen gruppe heter «{facts.get('name', '')}» (`/relocation liste` viser gruppene)"
    if isinstance(error, errors.BatchExists):
        return f"en gruppe med navnet «{facts.get('name', '')}» finnes allerede for {facts.get('year')}"
    if isinstance(error, errors.InvalidTransition):
        status = STATUS_NB.get(facts.get("status", ""), facts.get("status", ""))
        target = STATUS_NB.get(facts.get("target", ""), "")
        if target:
            return f"gruppen «{facts.get('batch', '')}» er {status} og kan ikke bli {target}"
        return f"gruppen «{facts.get('batch', '')}» er {status}; plasser kan ikke endres nå"
    field = facts.get("field", "")
    reason = facts.get("reason")
    if reason in _REASONS:
        values = dict(facts)
        if "households" in values:
            values["households"] = ",".join(map(str, values["households"]))
        if "municipality" in values and hasattr(values["municipality"], "name_no"):
            values["municipality"] = values["municipality"].name_no
        return _REASONS[reason].format(**values)
    if field == "year":
        return "året må være mellom 2000 og 2100"
    if field in ("spare capacity", "persons", "household size"):
        what = {
            "spare capacity": "ledig kapasitet",
            "persons": "antall personer",
            "household size": "husholdningsstørrelse",
        }[field]
        return (
            f"{what} må være et helt tall fra {facts.get('minimum', 0)} til {facts.get('maximum')}"
        )
    if field == "municipality" and "resolution" in facts:
        return "oppgi en kommune (navn eller firesifret nummer)"
    if field in ("source", "reason", "batch name", "user") and "maximum" in facts:
        return f"teksten er for lang (høyst {facts['maximum']} tegn)"
    if field == "batch name":
        return "gi gruppen et navn"
    return str(error).rstrip(".")


STATUS_NB = {
    "planned": "planlagt",
    "allocated": "fordelt",
    "arrived": "ankommet",
    "settled": "bosatt",
    "cancelled": "avlyst",
}

_REASONS = {
    "sum_mismatch": "husholdningene summerer til {total}, men gruppen har {persons} personer",
    "sum_over": "husholdningene summerer til {total}, mer enn {persons}",
    "say_persons": "oppgi hvor mange personer som skal tildeles",
    "outside_scope": "{name} er utenfor gruppens omfang ({scope})",
    "over_unallocated": "bare {unallocated} av gruppens {persons} personer er ikke tildelt ennå",
    "no_household": "gruppen har ingen ufordelt husholdning på {size}",
    "split": (
        "noen av personene hører til husholdninger som ikke er fordelt ({households}); "
        "oppgi husholdningene (familier 5,4) – husholdninger deles aldri"
    ),
    "no_spare": "{municipality} har ikke rapportert ledig kapasitet for {year}",
    "editor_needs_place": "rollen editor gjelder én kommune: oppgi hvilken",
    "admin_no_place": "rollen admin gjelder alle kommuner: oppgi ingen kommune",
}
