"""What each stored answer is called, in every language (marked for the catalogues): the
chat (handlers/) and the console (console/) show the same words."""

from __future__ import annotations

from bot.i18n import N_
from bot.registration.answers import Gender, Interest, MemberType, OccupationGroup

MEMBER_TYPES = {
    MemberType.ABROAD: N_("I live abroad"),
    MemberType.LEAVING: N_("I am preparing to leave"),
    MemberType.RETURNED: N_("I have returned home"),
}
# The same situations described in the third person (staff screens, poll breakdowns).
MEMBER_TYPE_NAMES = {
    MemberType.ABROAD: N_("Living abroad"),
    MemberType.LEAVING: N_("Preparing to leave"),
    MemberType.RETURNED: N_("Returned"),
}
GENDERS = {
    Gender.FEMALE: N_("Woman"),
    Gender.MALE: N_("Man"),
    Gender.OTHER: N_("Another gender"),
    Gender.UNDISCLOSED: N_("Prefer not to say"),
}
INTERESTS = {
    Interest.INVESTMENT: N_("Investment"),
    Interest.PROGRAMMES: N_("Programmes and grants"),
    Interest.SKILLS: N_("Skills and volunteering"),
    Interest.RETURN: N_("Returning home"),
    Interest.YOUTH_CULTURE: N_("Youth and culture"),
    Interest.CONSULAR: N_("Consular news"),
}
OCCUPATIONS = {
    OccupationGroup.MANAGERS: N_("Managers"),
    OccupationGroup.PROFESSIONALS: N_("Professionals"),
    OccupationGroup.TECHNICIANS: N_("Technicians"),
    OccupationGroup.CLERICAL: N_("Office and clerical"),
    OccupationGroup.SERVICES_SALES: N_("Services and sales"),
    OccupationGroup.DOMESTIC_CARE: N_("Domestic and care work"),
    OccupationGroup.AGRICULTURE: N_("Farming and fishing"),
    OccupationGroup.CRAFTS_TRADES: N_("Crafts and trades"),
    OccupationGroup.OPERATORS_DRIVERS: N_("Machine operators and drivers"),
    OccupationGroup.SEAFARERS: N_("Seafarers"),
    OccupationGroup.ELEMENTARY: N_("Labourers and helpers"),
    OccupationGroup.STUDENTS: N_("Students"),
    OccupationGroup.NOT_WORKING: N_("Not working or retired"),
}
