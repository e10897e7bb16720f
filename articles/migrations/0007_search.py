# Full-text search: the name-variants table (seeded), and the index kept by database triggers
# (PostgreSQL: tsvector column + GIN + pg_trgm vocabulary; SQLite: an FTS5 table). See docs/search.md.

from django.db import migrations, models

# One group per place or person: every spelling finds stories written with any other.
VARIANT_GROUPS = [
    ("Astana", ["Astana", "Nur-Sultan", "Nour-Soultan", "Akmola", "Aqmola", "Akmolinsk", "Tselinograd"], "Capitale du Kazakhstan ; Nur-Sultan de 2019 à 2022."),
    ("Almaty", ["Almaty", "Alma-Ata", "Alma Ata", "Almaata"], ""),
    ("Bichkek", ["Bichkek", "Bishkek", "Frounze", "Frunze", "Pichpek"], "Frounze de 1926 à 1991."),
    ("Tachkent", ["Tachkent", "Tashkent", "Toshkent"], ""),
    ("Douchanbé", ["Douchanbé", "Dushanbe", "Stalinabad", "Stalinabâd"], ""),
    ("Achgabat", ["Achgabat", "Ashgabat", "Achkhabad", "Ashkhabad", "Asgabat", "Poltoratsk"], ""),
    ("Kirghizistan", ["Kirghizistan", "Kyrgyzstan", "Kirghizie", "Kirghizstan", "Kirgizistan", "Kyrgyzie"], ""),
    ("Ouzbékistan", ["Ouzbékistan", "Uzbekistan", "Özbekistan", "Ouzbekistan"], ""),
    ("Tadjikistan", ["Tadjikistan", "Tajikistan", "Tojikiston"], ""),
    ("Turkménistan", ["Turkménistan", "Turkmenistan", "Türkmenistan", "Turkménie"], ""),
    ("Kazakhstan", ["Kazakhstan", "Qazaqstan", "Kazakstan"], ""),
    ("Tokaïev", ["Tokaïev", "Tokayev", "Kassym-Jomart Tokaïev", "Kassym-Zhomart Tokayev"], "Président du Kazakhstan depuis 2019."),
    ("Mirzioïev", ["Mirzioïev", "Mirziyoyev", "Mirzioyev", "Mirziyoev"], "Président de l’Ouzbékistan depuis 2016."),
    ("Nazarbaïev", ["Nazarbaïev", "Nazarbayev", "Nazarbaev"], ""),
    ("Rahmon", ["Rahmon", "Rakhmon", "Rahmonov", "Rakhmonov"], "Président du Tadjikistan."),
    ("Berdimuhamedow", ["Berdimuhamedow", "Berdymoukhamedov", "Berdimuhamedov", "Berdymukhamedov", "Berdymoukhammedov"], ""),
    ("Japarov", ["Japarov", "Djaparov", "Zhaparov", "Dzhaparov"], "Président du Kirghizistan depuis 2021."),
    ("Jeenbekov", ["Jeenbekov", "Djeenbekov", "Zheenbekov", "Dzheenbekov"], ""),
    ("Atambaïev", ["Atambaïev", "Atambayev", "Atambaev"], ""),
    ("Akaïev", ["Akaïev", "Akayev", "Akaev"], ""),
    ("Bakiev", ["Bakiev", "Bakiyev", "Bakïev"], ""),
    ("Niazov", ["Niazov", "Niyazov", "Nyýazow"], ""),
    ("Karimov", ["Karimov", "Karimow"], ""),
    ("Rogoun", ["Rogoun", "Rogun"], "Barrage du Tadjikistan."),
    ("Amou-Daria", ["Amou-Daria", "Amu Darya", "Amou Daria", "Amoudaria", "Amudarya", "Oxus"], ""),
    ("Syr-Daria", ["Syr-Daria", "Syr Darya", "Syrdarya", "Syr-Darya", "Iaxarte", "Jaxartes"], ""),
    ("Samarcande", ["Samarcande", "Samarkand", "Samarqand"], ""),
    ("Boukhara", ["Boukhara", "Bukhara", "Buxoro"], ""),
    ("Khiva", ["Khiva", "Xiva"], ""),
    ("Och", ["Och", "Osh"], "Ville du sud du Kirghizistan."),
    ("Khodjent", ["Khodjent", "Khujand", "Khoudjand", "Khodjend", "Léninabad", "Leninabad"], ""),
    ("Karaganda", ["Karaganda", "Karagandy", "Qaraghandy"], ""),
    ("Chymkent", ["Chymkent", "Shymkent", "Chimkent", "Tchimkent"], ""),
    ("Aktaou", ["Aktaou", "Aktau", "Aqtau"], ""),
    ("Atyraou", ["Atyraou", "Atyrau", "Gouriev", "Guryev"], ""),
    ("Semeï", ["Semeï", "Semey", "Semipalatinsk"], ""),
    ("Oust-Kamenogorsk", ["Oust-Kamenogorsk", "Ust-Kamenogorsk", "Öskemen", "Oskemen"], ""),
    ("Kyzylorda", ["Kyzylorda", "Qyzylorda", "Kzyl-Orda", "Kyzyl-Orda"], ""),
    ("Baïkonour", ["Baïkonour", "Baikonur", "Baïkonur", "Baykonur"], ""),
    ("Issyk-Koul", ["Issyk-Koul", "Issyk-Kul", "Yssyk-Köl", "Ysyk-Köl", "Issyk Koul"], ""),
    ("Ferghana", ["Ferghana", "Fergana", "Farghona", "Fergona"], ""),
    ("Noukous", ["Noukous", "Nukus"], ""),
    ("Karakalpakstan", ["Karakalpakstan", "Karakalpakie", "Qaraqalpaqstan"], ""),
    ("Haut-Badakhchan", ["Haut-Badakhchan", "Gorno-Badakhchan", "Gorno-Badakhshan", "Badakhchan", "Badakhshan"], ""),
    ("Turkmenbachi", ["Turkmenbachi", "Turkmenbashi", "Türkmenbaşy", "Krasnovodsk"], "Port turkmène sur la Caspienne."),
    ("Djalal-Abad", ["Djalal-Abad", "Jalal-Abad", "Jalalabad", "Djalalabad"], ""),
    ("Karakol", ["Karakol", "Przhevalsk", "Prjevalsk"], ""),
    ("Termez", ["Termez", "Termiz"], ""),
    ("Andijan", ["Andijan", "Andijon", "Andidjan"], ""),
    ("Kokand", ["Kokand", "Khokand", "Qoqon"], ""),
    ("Kouliab", ["Kouliab", "Kulob", "Kulyab"], ""),
    ("Khorog", ["Khorog", "Khorugh"], ""),
    ("Balkhach", ["Balkhach", "Balkhash", "Balqash"], ""),
    ("Taraz", ["Taraz", "Djamboul", "Jamboul", "Zhambyl", "Aulie-Ata"], ""),
    ("Turkestan", ["Turkestan", "Turkistan", "Türkistan"], ""),
    ("Ouralsk", ["Ouralsk", "Uralsk"], ""),
    ("Kostanaï", ["Kostanaï", "Kostanay", "Qostanay", "Koustanaï"], ""),
    ("Aktioubé", ["Aktioubé", "Aktobe", "Aqtöbe", "Aktioubinsk"], ""),
    ("Poutine", ["Poutine", "Putin"], ""),
    ("Zelensky", ["Zelensky", "Zelenski", "Zelenskyy", "Zelenskiy"], ""),
    ("Pékin", ["Pékin", "Beijing"], ""),
]


def seed_variants(apps, schema_editor):
    group = apps.get_model("articles", "SearchVariant")
    group.objects.using(schema_editor.connection.alias).bulk_create(
        group(name=name, spellings="\n".join(spellings), note=note) for name, spellings, note in VARIANT_GROUPS
    )


def install_index(apps, schema_editor):
    from articles.search import postgres, sqlite

    (postgres if schema_editor.connection.vendor == "postgresql" else sqlite).install(schema_editor)
    rebuild_existing(schema_editor)


def rebuild_existing(schema_editor):
    from articles.search import postgres, sqlite

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM articles_article LIMIT 1")
        if cursor.fetchone() is None:
            return
    (postgres if schema_editor.connection.vendor == "postgresql" else sqlite).rebuild()


def uninstall_index(apps, schema_editor):
    from articles.search import postgres, sqlite

    (postgres if schema_editor.connection.vendor == "postgresql" else sqlite).uninstall(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0006_transition_actor"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchVariant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="L’orthographe de référence, par exemple « Astana ».", max_length=100, unique=True, verbose_name="nom")),
                ("spellings", models.TextField(help_text="Une orthographe par ligne, y compris l’orthographe de référence : anciens noms, translittérations (« Nur-Sultan », « Akmola », « Tselinograd »). Majuscules et accents sont indifférents.", verbose_name="variantes")),
                ("note", models.CharField(blank=True, max_length=255, verbose_name="remarque")),
            ],
            options={
                "verbose_name": "variante de nom",
                "verbose_name_plural": "variantes de noms (recherche)",
                "ordering": ["name"],
            },
        ),
        migrations.RunPython(seed_variants, migrations.RunPython.noop),
        migrations.RunPython(install_index, uninstall_index),
    ]
