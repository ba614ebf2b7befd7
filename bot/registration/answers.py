"""The closed sets of answers registration offers. Labels live with the handlers (gettext);
these are the values stored in the database."""

from __future__ import annotations

from enum import StrEnum


class MemberType(StrEnum):
    ABROAD = "abroad"  # living abroad
    LEAVING = "leaving"  # preparing to leave for work or study abroad
    RETURNED = "returned"  # returned home


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"  # "prefer not to say"


class Interest(StrEnum):
    INVESTMENT = "investment"
    PROGRAMMES = "programmes"  # programmes and grants
    SKILLS = "skills"  # skills and volunteering
    RETURN = "return"
    YOUTH_CULTURE = "youth_culture"
    CONSULAR = "consular"  # consular news


class OccupationGroup(StrEnum):
    """Broad groups after ISCO-08 major groups, plus the ones diaspora work makes common."""

    MANAGERS = "managers"
    PROFESSIONALS = "professionals"
    TECHNICIANS = "technicians"
    CLERICAL = "clerical"
    SERVICES_SALES = "services_sales"
    DOMESTIC_CARE = "domestic_care"
    AGRICULTURE = "agriculture"
    CRAFTS_TRADES = "crafts_trades"
    OPERATORS_DRIVERS = "operators_drivers"
    SEAFARERS = "seafarers"
    ELEMENTARY = "elementary"
    STUDENTS = "students"
    NOT_WORKING = "not_working"
