"""`--schema star`: the bookings as a fact table with its dimensions, for Power BI and Tableau.

Built on the flat tables (`flat.py`, available as the views `flat_<table>`): one row per
booking in `fact_bookings`, keyed to `dim_equipment`, `dim_lab` (requester and provider labs,
with their department and organisation), `dim_user` (requesters and creators), `dim_date`
(the local start date) and, through `fact_booking_projects` (a booking's cost shared equally
among its projects), `dim_project`.
"""

STAR_TABLES = {
    "fact_bookings": """
        SELECT b.id AS booking_id, CAST(b.start_time_local AS DATE) AS date,
               b.equipment_id, b.provider_lab_id, b.requester_lab_id, b.requester_id AS user_id,
               b.creator_id, b.status, b.booking_type, b.charging_type,
               b.start_time, b.end_time, b.start_time_local, b.end_time_local, b.time_zone,
               b.duration AS duration_minutes, CAST(b.duration AS DOUBLE) / 60 AS hours,
               b.cost, b.currency, b.requested_at
        FROM flat_bookings b
    """,
    "fact_booking_projects": """
        SELECT p.booking_id, p.id AS project_id,
               CAST(b.cost / count(*) OVER (PARTITION BY p.booking_id) AS DECIMAL(14, 2)) AS cost_share,
               b.currency
        FROM flat_booking_projects p JOIN flat_bookings b ON b.id = p.booking_id
    """,
    "dim_equipment": """
        SELECT e.id AS equipment_id, e.name, e.parent_id, e.parent_name, e.lab_id, e.lab_name,
               e.category_name, e.sub_category_name, e.model, e.manufacturer, e.charging_type,
               e.currency, e.room, e.city, e.country, e.availability_status
        FROM flat_equipment e
        UNION ALL
        SELECT b.equipment_id, any_value(b.equipment_name), NULL, NULL, any_value(b.provider_lab_id),
               any_value(b.provider_lab_name), NULL, NULL, NULL, NULL, any_value(b.charging_type),
               any_value(b.currency), NULL, NULL, NULL, NULL
        FROM flat_bookings b WHERE b.equipment_id NOT IN (SELECT id FROM flat_equipment)
        GROUP BY b.equipment_id
    """,
    "dim_lab": """
        SELECT a.id AS lab_id, a.name, a.department_id, d.name AS department_name,
               a.organisation_id, o.name AS organisation_name, a.sector, a.timezone AS time_zone,
               true AS authorised
        FROM flat_accounts a
        LEFT JOIN flat_accounts d ON d.id = a.department_id
        LEFT JOIN flat_accounts o ON o.id = a.organisation_id
        WHERE a.account_type = 'lab'
        UNION ALL
        SELECT lab_id, any_value(name), NULL, NULL, any_value(organisation_id), any_value(organisation_name),
               NULL, NULL, false
        FROM (SELECT requester_lab_id AS lab_id, requester_lab_name AS name,
                     requester_organisation_id AS organisation_id,
                     requester_organisation_name AS organisation_name FROM flat_bookings
              UNION ALL
              SELECT provider_lab_id, provider_lab_name, provider_organisation_id, provider_organisation_name
              FROM flat_bookings)
        WHERE lab_id IS NOT NULL AND lab_id NOT IN (SELECT id FROM flat_accounts WHERE account_type = 'lab')
        GROUP BY lab_id
    """,
    "dim_user": """
        SELECT user_id, any_value(name) AS name, max(email) AS email, max(sector) AS sector
        FROM (SELECT requester_id AS user_id, requester_name AS name, requester_email AS email,
                     requester_sector AS sector FROM flat_bookings
              UNION ALL
              SELECT creator_id, creator_name, NULL, NULL FROM flat_bookings)
        WHERE user_id IS NOT NULL
        GROUP BY user_id
    """,
    "dim_project": """
        SELECT p.id AS project_id, p.name, p.supervisor, p.lab_id, p.created_by_name, p.additional_information
        FROM flat_projects p
        UNION ALL
        SELECT id, any_value(name), any_value(supervisor), NULL, NULL, NULL
        FROM flat_booking_projects WHERE id NOT IN (SELECT id FROM flat_projects)
        GROUP BY id
    """,
    "dim_date": """
        SELECT CAST(day AS DATE) AS date, year(day) AS year, quarter(day) AS quarter, month(day) AS month,
               monthname(day) AS month_name, weekofyear(day) AS iso_week, isodow(day) AS weekday,
               dayname(day) AS weekday_name, isodow(day) >= 6 AS weekend
        FROM (SELECT unnest(generate_series(min(CAST(start_time_local AS DATE)),
                                            max(CAST(end_time_local AS DATE)), INTERVAL 1 DAY)) AS day
              FROM flat_bookings)
    """,
}
STAR_SOURCES = ("accounts", "equipment", "projects", "bookings")  # the pulled tables it reads
