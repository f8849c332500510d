"""The v0.1.5 reference's response samples, transcribed as published (field names, nesting,
JSON types and nulls), and the custom form of its custom_form_response sample."""

ACCOUNT_ITEM = {"id": 0, "name": "string", "account_type": "lab", "organisation": 0, "department": 0}

ACCOUNT = {
    "id": 0,
    "name": "Cambridge Graphene Center",
    "account_type": "lab",
    "sector": "academia",
    "description": "string",
    "timezone": "Europe/London",
    "department": {"name": "string", "id": 0},
    "organisation": {"name": "string", "id": 0},
    "labs": [{"id": 0, "name": "string"}],
    "departments": [{"id": 0, "name": "string"}],
}

BOOKING_ITEMS = [
    {
        "id": 12345,
        "start_time": "2024-01-15T09:00:00.000Z",
        "end_time": "2024-01-15T11:00:00.000Z",
        "status": "Confirmed",
        "booking_type": "internal",
        "equipment_id": 789,
        "user_id": 456,
        "equipment": {"name": "Advanced Microscope"},
        "last_public_note": None,
    },
    {
        "id": 12346,
        "start_time": "2024-01-16T14:00:00.000Z",
        "end_time": "2024-01-16T16:30:00.000Z",
        "status": "Pending",
        "booking_type": "external",
        "equipment_id": 790,
        "user_id": 457,
        "equipment": {"name": "Spectrometer"},
        "last_public_note": {"message": "External booking for research collaboration"},
    },
]

BOOKING = {
    "id": 12345,
    "cost": "150.00",
    "currency": "USD",
    "charging_type": "Per Hour",
    "start_time": "2024-01-15T09:00:00.000Z",
    "end_time": "2024-01-15T11:00:00.000Z",
    "requested_at": "2024-01-10T14:30:00.000Z",
    "booking_type": "internal",
    "status": "Confirmed",
    "duration": 120,
    "add_ons": "Data analysis service included",
    "requester_group": {"name": "Research Team Alpha"},
    "equipment": {"id": 789, "name": "Advanced Microscope"},
    "parent_equipment": {"id": 780, "name": "Advanced Microscope (Parent Asset)"},
    "requester_lab": {"id": 101, "name": "Materials Science Lab"},
    "requester_organisation": {"id": 201, "name": "University of Cambridge"},
    "provider_lab": {"id": 102, "name": "Equipment Sharing Lab"},
    "provider_organisation": {"id": 202, "name": "Cambridge Research Institute"},
    "creator": {"id": 301, "name": "Dr. Jane Smith"},
    "requester": {
        "id": 456,
        "name": "Dr. John Doe",
        "email": "john.doe@university.edu",
        "sector": "academia",
    },
    "custom_form_responses": [
        {"response_id": 9001, "custom_form_version_id": 1},
        {"response_id": 9002, "custom_form_version_id": 2},
    ],
    "last_public_note": {"message": "Please handle with care"},
    "projects": [
        {
            "id": 501,
            "name": "Graphene Study",
            "supervisor": "Dr. Ada Lovelace",
            "funding_codes": [
                {"code": "EPSRC-2026-01", "funder": "EPSRC", "amount": 5000, "currency": "GBP"},
                {
                    "code": "INDUSTRY-2026-02",
                    "funder": "Example Industries",
                    "amount": 2000,
                    "currency": "GBP",
                },
            ],
        }
    ],
}

FORM_FIELDS = [
    {"type": "heading", "text": "Project details"},
    {"type": "paragraph", "text": "Provide the requested project information for this booking."},
    {
        "type": "shortText",
        "text": "Project code",
        "helperText": "Internal reference code",
        "validations": {"isRequired": True},
    },
    {
        "type": "longText",
        "text": "Experiment summary",
        "helperText": "Brief description of the work",
        "validations": {"isRequired": False},
    },
    {
        "type": "number",
        "text": "Estimated samples",
        "helperText": "Number of samples to be processed",
        "validations": {"allowDecimals": True, "isRequired": True, "minValue": 1, "maxValue": 100},
    },
    {
        "type": "valueUnit",
        "text": "Target thickness",
        "helperText": "Value with nanometer unit",
        "validations": {"allowDecimals": True, "isRequired": True, "unitType": "nm"},
    },
    {
        "type": "dateTime",
        "text": "Requested completion date",
        "helperText": "Date only",
        "validations": {"isRequired": False, "onlyDate": True},
    },
    {
        "type": "radioButton",
        "text": "Sample condition",
        "helperText": "Choose one",
        "options": ["Option 1", "Option 2"],
        "validations": {"isRequired": True},
    },
    {
        "type": "dropdown",
        "text": "Analysis method",
        "helperText": "Select the primary method",
        "options": ["Option 1", "Option 2"],
        "validations": {"isRequired": True},
    },
    {
        "type": "checkboxGroup",
        "text": "Safety requirements",
        "helperText": "Select all that apply",
        "options": ["Option 1", "Option 2"],
        "validations": {"isRequired": True},
    },
    {
        "type": "fileUpload",
        "text": "Supporting documents",
        "helperText": "Upload any supporting files",
        "validations": {"isRequired": False},
    },
    {
        "type": "imageUpload",
        "text": "Sample images",
        "helperText": "Upload reference images",
        "validations": {"isRequired": False},
    },
]
FORM_ANSWERS = [
    None,
    None,
    "PRJ-2026-0042",
    "Surface analysis of graphene samples.",
    12,
    22.5,
    "2026-04-21T23:00:00.000Z",
    "Option 2",
    "Option 1",
    ["Option 1", "Option 2"],
    [
        {
            "signed_id": "eyJfcmFpbHMiOnsiZGF0YSI6MTE3OCwicHVyIjoiYmxvYl9pZCJ9fQ==--be9e4bfde0b70ddcbc4700f1a2ac0d4417af9b93",
            "filename": "project-summary.xlsx",
        }
    ],
    [
        {
            "signed_id": "eyJfcmFpbHMiOnsiZGF0YSI6MTE3OSwicHVyIjoiYmxvYl9pZCJ9fQ==--6109b8c4568a1687e0b95fc25955d4c52cae4b4e",
            "filename": "sample-image.png",
        }
    ],
]

CUSTOM_FORM_RESPONSE = {
    "custom_form_response_id": 16,
    "custom_form_id": 28,
    "custom_form_version_id": 1,
    "booking_reference_id": 2045426,
    "created_by": "Demo Admin",
    "created_at": "2026-04-08T14:13:27.602Z",
    "updated_at": "2026-04-08T14:13:28.075Z",
    "form_response": [
        {**field, "value": answer} if answer is not None else dict(field)
        for field, answer in zip(FORM_FIELDS, FORM_ANSWERS, strict=True)
    ],
}

EQUIPMENT_ITEMS = [
    {
        "id": 1,
        "name": "William Optics RedCat 71 APO",
        "description": "Apochromatic telescope",
        "room": "Room 101",
        "availability_status": "Available",
        "model": "RedCat 71",
        "manufacturer": "William Optics",
        "sub_category": {"id": 1, "name": "Audiovisual & IT"},
        "contact_person": {"id": 1, "name": "Lisa Millar"},
        "parent_id": None,
        "parent_name": None,
    },
    {
        "id": 2,
        "name": "RedCat 71 Eyepiece Set",
        "description": "High-quality eyepiece collection",
        "room": "Room 101",
        "availability_status": "Available",
        "model": "RC71-EP",
        "manufacturer": "William Optics",
        "sub_category": {"id": 1, "name": "Audiovisual & IT"},
        "contact_person": {"id": 1, "name": "Lisa Millar"},
        "parent_id": 1,
        "parent_name": "William Optics RedCat 71 APO",
    },
]

EQUIPMENT = {
    "id": 0,
    "name": "string",
    "room": "string",
    "manufacturer": "string",
    "model": "string",
    "city": "string",
    "country": "string",
    "currency": "string",
    "charging_type": "string",
    "description": "string",
    "category": {"name": "string"},
    "lab": {"id": 0, "name": "string"},
    "parent_id": 0,
    "parent_name": "string",
    "manufacturing_year": "string",
    "serial_number": "string",
}
# Sent besides the sample's fields (REAL_CLIENTS.md: older clients read it; harmless).
EQUIPMENT_EXTRA_FIELDS = {"model_number"}

EQUIPMENT_BOOKING_ITEM = {
    "id": 1,
    "asset_id": 1,
    "start_time": "2022-03-08T09:00:00.000+00:00",
    "end_time": "2022-03-08T11:00:00.000+00:00",
    "status": "Requested",
}

USER = {"id": 0, "first_name": "string", "last_name": "string"}

PROJECT_ITEM = {
    "id": 0,
    "name": "string",
    "created_by": {"id": 0, "name": "string"},
    "supervisor": "string",
    "funding_codes": [{"id": 0, "name": "string"}],
}

PROJECT = {
    "name": "Project 31",
    "supervisor": "Niklas",
    "additional_information": None,
    "funding_codes": [
        {
            "id": 914,
            "name": "CD60",
            "funder_name": "UKRI - AHRC",
            "funder_type": "research_council",
            "expiry_date": "2026-09-12",
            "allocated_amount": 0.2,
            "spent_amount": 0,
        },
        {
            "id": 915,
            "name": "CD61",
            "funder_name": "UKRI - AHRC",
            "funder_type": "research_council",
            "expiry_date": "2026-09-12",
            "allocated_amount": 0.2,
            "spent_amount": 0,
        },
    ],
    "selected_users": [],
}

GROUP_ITEM = {"id": 0, "name": "string"}

GROUP = {"id": 0, "name": "string", "equipment": [{"id": 0, "name": "string"}]}
