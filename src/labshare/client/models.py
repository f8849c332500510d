"""The API's records, with the v0.1.5 reference's field names (TypedDicts: the SDK hands
over the decoded JSON as is, and unknown fields are kept)."""

from typing import Any, Literal, NotRequired, TypedDict


class IdName(TypedDict):
    id: int
    name: str


class Named(TypedDict):
    name: str


class Message(TypedDict):
    message: str


class User(TypedDict):
    id: int
    first_name: str
    last_name: str


class AccountSummary(TypedDict):
    id: int
    name: str
    account_type: Literal["organisation", "department", "lab"]
    organisation: int | None
    department: int | None


class Account(TypedDict):
    id: int
    name: str
    account_type: Literal["organisation", "department", "lab"]
    sector: str
    description: str
    timezone: str
    department: IdName | None
    organisation: IdName | None
    labs: list[IdName]
    departments: list[IdName]


class BookingSummary(TypedDict):
    id: int
    start_time: str
    end_time: str
    status: str
    booking_type: str
    equipment_id: int
    user_id: int
    equipment: Named
    last_public_note: Message | None


class Requester(TypedDict):
    id: int
    name: str
    email: str
    sector: str


class CustomFormResponseLink(TypedDict):
    response_id: int
    custom_form_version_id: int


class BookingFundingCode(TypedDict):
    code: str
    funder: str
    amount: float
    currency: str


class BookingProject(TypedDict):
    id: int
    name: str
    supervisor: str
    funding_codes: list[BookingFundingCode]


class Booking(TypedDict):
    id: int
    cost: str
    currency: str
    charging_type: str
    start_time: str
    end_time: str
    requested_at: str
    booking_type: str
    status: str
    duration: int
    add_ons: str
    requester_group: Named | None
    equipment: IdName
    parent_equipment: NotRequired[IdName | None]
    requester_lab: IdName
    requester_organisation: IdName | None
    provider_lab: IdName
    provider_organisation: IdName | None
    creator: IdName
    requester: Requester
    custom_form_responses: NotRequired[list[CustomFormResponseLink]]
    last_public_note: Message | None
    projects: NotRequired[list[BookingProject]]


class EquipmentBooking(TypedDict):
    id: int
    asset_id: int
    start_time: str
    end_time: str
    status: str


class EquipmentSummary(TypedDict):
    id: int
    name: str
    description: str
    room: str
    availability_status: str
    model: str
    manufacturer: str | None
    sub_category: IdName | None
    contact_person: IdName | None
    parent_id: int | None
    parent_name: str | None


class Equipment(TypedDict):
    id: int
    name: str
    room: str
    manufacturer: str | None
    model: str
    model_number: str
    city: str
    country: str
    currency: str
    charging_type: str
    description: str
    category: Named | None
    lab: IdName
    parent_id: int | None
    parent_name: str | None
    manufacturing_year: str
    serial_number: str


class ProjectSummary(TypedDict):
    id: int
    name: str
    created_by: IdName | None
    supervisor: str
    funding_codes: list[IdName]


class FundingCode(TypedDict):
    id: int
    name: str
    funder_name: str
    funder_type: str
    expiry_date: str | None
    allocated_amount: float
    spent_amount: float


class Project(TypedDict):
    name: str
    supervisor: str
    additional_information: str | None
    funding_codes: list[FundingCode]
    selected_users: list[Any]


class GroupSummary(TypedDict):
    id: int
    name: str


class Group(TypedDict):
    id: int
    name: str
    equipment: list[IdName]


class CustomFormResponse(TypedDict):
    custom_form_response_id: int
    custom_form_id: int
    custom_form_version_id: int
    booking_reference_id: int
    created_by: str
    created_at: str
    updated_at: str
    form_response: list[dict[str, Any]]
